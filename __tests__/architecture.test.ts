// The architecture rules (.dependency-cruiser.cjs): no import cycles, type imports included, and each folder imports
// only the folders below it. Run on src/, and on small fixtures that break them, to show the rules do fail.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../test/support/paths.ts';

const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

function depcruise(cwd: string) {
  const bin = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const result = spawnSync(process.execPath, [bin, 'src', '--config', CONFIG, '--output-type', 'err'], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A project with these files under src/, resolved as vulngate's are (NodeNext, `.js` naming `.ts`). */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-arch-'));
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  );
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, 'src', name)), { recursive: true });
    writeFileSync(path.join(dir, 'src', name), text);
  }
  return dir;
}

test('src/ has no import cycle and no folder imports one above it', () => {
  const { status, output } = depcruise(ROOT);
  expect(output).toContain('no dependency violations found');
  expect(status).toBe(0);
}, 120_000);

test('two files that import each other only for types are a cycle', () => {
  const dir = fixture({
    'delivery/a.ts': "import type { B } from './b.js';\nexport type A = B | 1;\n",
    'delivery/b.ts': "import type { A } from './a.js';\nexport type B = A | 2;\n",
  });
  const { status, output } = depcruise(dir);
  expect(status).not.toBe(0);
  expect(output).toMatch(/error no-circular: src\/delivery\/a\.ts →\s+src\/delivery\/b\.ts →\s+src\/delivery\/a\.ts/);
}, 120_000);

test.each([
  ['core', 'core/finding.ts', 'delivery/outcome.ts'],
  ['lib', 'lib/http.ts', 'config/settings.ts'],
  ['config', 'config/settings.ts', 'delivery/receivers/issues/trackers.ts'],
  ['config', 'config/settings.ts', 'trivy/install.ts'],
  ['render', 'render/slack.ts', 'delivery/receivers/slack/post.ts'],
  ['baseline', 'baseline/resolve.ts', 'delivery/artifact.ts'],
  ['delivery', 'delivery/deliver.ts', 'app/run.ts'],
])(
  'a %s file importing a folder above it is refused',
  (layer, from, to) => {
    const relative = path.posix.relative(path.posix.dirname(from), to).replace(/\.ts$/, '.js');
    const dir = fixture({
      [from]: `import type { X } from '${relative.startsWith('.') ? relative : `./${relative}`}';\nexport type Y = X;\n`,
      [to]: 'export type X = 1;\n',
    });
    const { status, output } = depcruise(dir);
    expect(status).not.toBe(0);
    expect(output).toContain(`error layer-${layer}: src/${from} → src/${to}`);
  },
  120_000,
);
