// Installable like the tools users know: `npm pack` gives a tarball whose `vulngate` runs after `npm install -g`
// of it into a fresh prefix, with no dependency fetched (the CLI is one bundle).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, reportPath } from '../../test/support/paths.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-install-'));
const run = (cmd: string, args: string[], cwd = ROOT) =>
  spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_audit: 'false' } });

test('npm pack → npm install -g from the tarball, offline → vulngate runs from the prefix', () => {
  const packDir = tmp();
  const pack = run('npm', ['pack', '--pack-destination', packDir, '--json']);
  expect(pack.status).toBe(0);
  const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  // Only what users run and read: the bundled CLI, the profile schema, the GitLab template, the README.
  expect(packed!.files.map((f) => f.path.split('/')[0]).sort()).toEqual(
    expect.arrayContaining(['README.md', 'dist', 'package.json', 'schema', 'templates']),
  );
  expect(packed!.files.some((f) => f.path.startsWith('src/') || f.path.startsWith('__tests__/'))).toBe(false);

  const prefix = tmp();
  const install = run('npm', ['install', '-g', '--offline', '--prefix', prefix, path.join(packDir, packed!.filename)]);
  expect(install.stderr).not.toMatch(/ERR!/);
  expect(install.status).toBe(0);
  expect(readdirSync(path.join(prefix, 'lib', 'node_modules'))).toEqual(['vulngate']);
  const bin = path.join(prefix, 'bin', 'vulngate');
  expect(run(bin, ['--version']).stdout.trim()).toBe('0.1.0');
  const judged = run(bin, [
    'evaluate',
    '--report',
    reportPath('alpine-39'),
    '-q',
    '-o',
    tmp(),
    '--profiles-dir',
    tmp(),
  ]);
  expect(judged.status).toBe(1);
  expect(judged.stdout).toBe('❌ vulngate: FAIL — 2 blocking findings in 1 of 1 image\n');
});
