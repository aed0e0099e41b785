import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { profileSchema } from '../src/profile/schema.js';
import { ACTION_OUTPUTS, renderActionYml } from '../src/config/action-yml.js';
import { VULNGATE_VERSION } from '../src/version.js';
import { expectGolden } from '../test/support/golden.ts';
import { ROOT } from '../test/support/paths.ts';

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

test('dist/ is the bundle of the current src/ (rebuild with `npm run bundle`)', () => {
  expect.hasAssertions();
  const out = mkdtempSync(path.join(tmpdir(), 'vg-dist-'));
  execFileSync(process.execPath, ['scripts/bundle.mjs', out], { cwd: ROOT, stdio: 'pipe' });
  const files = (dir: string) =>
    (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.js') || f.endsWith('.json')).sort();
  const committed = path.join(ROOT, 'dist');
  expect(files(committed)).toEqual(files(out));
  expect(files(out).length).toBeGreaterThan(0);
  for (const file of files(out)) {
    if (readFileSync(path.join(out, file), 'utf8') !== readFileSync(path.join(committed, file), 'utf8')) {
      throw new Error(`dist/${file} is stale: run \`npm run bundle\` and commit dist/`);
    }
  }
}, 300_000);

test('schema/profile.schema.json is the schema the profiles are validated with', () => {
  expectGolden('../../schema/profile.schema.json', `${JSON.stringify(profileSchema, null, 2)}\n`);
});

test('the version matches package.json', () => {
  expect(VULNGATE_VERSION).toBe(JSON.parse(read('package.json')).version);
});

test('action.yml is derived from the option table; the action sets exactly its outputs', () => {
  expectGolden('../../action.yml', renderActionYml());
  const action = yaml.load(read('action.yml')) as {
    runs: { using: string; main: string };
    outputs: Record<string, unknown>;
  };
  expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  const setNames = [...read('src/action/main.ts').matchAll(/setOutput\('([a-z-]+)'/g)].map((m) => m[1]);
  expect(new Set(setNames)).toEqual(new Set(Object.keys(ACTION_OUTPUTS)));
});

test('the bundled profiles are valid', async () => {
  expect.hasAssertions();
  const { parseProfileDocument } = await import('../src/profile/parse.js');
  const { silentLogger } = await import('../src/core/logger.js');
  for (const dir of ['profiles', 'example/profiles']) {
    for (const name of readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.yml'))) {
      expect(() =>
        parseProfileDocument({ text: read(`${dir}/${name}`), file: `${dir}/${name}`, logger: silentLogger }),
      ).not.toThrow();
    }
  }
});
