import { spawnSync } from 'node:child_process';
import { ROOT } from '../test/support/paths.ts';

const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, [script, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });

test('ESLint (typescript-eslint strict) finds nothing', () => {
  const result = run('node_modules/eslint/bin/eslint.js', ['--max-warnings', '0', '.']);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
}, 240_000);

test('Prettier finds every file formatted', () => {
  const result = run('node_modules/prettier/bin/prettier.cjs', ['--check', '--log-level', 'warn', '.']);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
}, 120_000);
