// The GitLab image's size and layers, read from the OCI archive `npm run image` writes (built if not cached), and the
// build time scripts/image.sh recorded for it. Runs on Node 24 (TypeScript directly). `--bake-db-from DIR` reports the
// BAKE_DB=true variant instead.
import { statSync } from 'node:fs';
import { layerSizes, readOciArchive, runProcess } from '../test/support/image.ts';

const args = process.argv.slice(2);
const run = await runProcess('bash', ['scripts/image.sh', ...args]);
if (run.code !== 0) throw new Error(`scripts/image.sh failed:\n${run.stderr}`);
const archive = run.stdout.trim().split('\n').at(-1)!;
const image = readOciArchive(archive);
const unpacked = layerSizes(archive, image);
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

// The history entries that made a layer, in layer order: their instruction names each layer.
const instructions = image.config.history
  .filter((h) => !h.empty_layer)
  .map((h) => (h.created_by ?? '').replace(/^\/bin\/sh -c (#\(nop\) )?/, '').replace(/\s+/g, ' '));
console.log('| layer | instruction | compressed (MB) | unpacked (MB) |');
console.log('| ---: | --- | ---: | ---: |');
image.manifest.layers.forEach((layer, i) => {
  const what = i === 0 ? 'the Debian base' : (instructions[i] ?? '').slice(0, 70).replace(/\|/g, '\\|');
  console.log(`| ${i + 1} | \`${what}\` | ${mb(layer.size)} | ${mb(unpacked[i]!)} |`);
});
const compressed = image.manifest.layers.reduce((sum, l) => sum + l.size, 0);
const total = unpacked.reduce((sum, n) => sum + n, 0);
console.log(`| | **${image.manifest.layers.length} layers** | **${mb(compressed)}** | **${mb(total)}** |`);
console.log();
console.log(`Archive: ${mb(statSync(archive).size)} MB.`);
const built = /built in (\d+) s/.exec(run.stderr)?.[1];
if (built) console.log(`Build time (scripts/image.sh, when this archive was built): ${built} s.`);
