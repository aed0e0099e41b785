// Bundles the action (dist/index.js) and the CLI (dist/cli/index.js) with @vercel/ncc.
// `node scripts/bundle.mjs [outDir]`: outDir defaults to dist/; the staleness test bundles into a temp dir and
// compares.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

const out = path.resolve(process.argv[2] ?? 'dist');
const ncc = path.resolve('node_modules/@vercel/ncc/dist/ncc/cli.js');
rmSync(out, { recursive: true, force: true });
for (const [entry, dir] of [
  ['src/index.ts', out],
  ['src/cli/index.ts', path.join(out, 'cli')],
]) {
  execFileSync(
    process.execPath,
    [ncc, 'build', entry, '-o', dir, '--license', 'licenses.txt', '--quiet', '--target', 'es2023'],
    { stdio: 'inherit' },
  );
}
