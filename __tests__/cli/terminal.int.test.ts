// The terminal mode, driven through a real pseudo-terminal (util-linux `script`), as a person at a laptop sees it;
// and what a CI log (no TTY) gets.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliFromDist } from '../../test/support/cli.ts';
import { ROOT, reportPath } from '../../test/support/paths.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-tty-'));
const ESC = '\u001b';
const ANSI = /\u001b\[[0-9;]*m/g;

/** The bundled CLI on a pseudo-terminal of `columns` columns; what the terminal received. */
function onTerminal(args: string[], env: Record<string, string> = {}, columns = 120): string {
  const node = process.env.NODE24 ?? process.execPath;
  const quoted = [node, path.join(ROOT, 'dist/cli/index.js'), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`);
  const result = spawnSync('script', ['-qec', `stty cols ${columns}; ${quoted.join(' ')}`, '/dev/null'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color', ...env },
    timeout: 60_000,
  });
  return result.stdout.replace(/\r\n/g, '\n');
}

const evaluateArgs = () => [
  'evaluate',
  '--report',
  reportPath('alpine-39'),
  '--ignore-unfixed',
  'false',
  '--profiles-dir',
  tmp(),
  '--output-dir',
  tmp(),
];

/** Table lines (box drawing), without colour: each as wide as the others, and within the terminal. */
function tableLines(text: string): string[] {
  return text
    .replace(ANSI, '')
    .split('\n')
    .filter((l) => /^[┌│├└]/.test(l));
}

test('on a TTY: coloured by severity and verdict, tables aligned and within the width', () => {
  const out = onTerminal(evaluateArgs(), {}, 100);
  expect(out).toMatch(/\u001b\[31m.*FAIL/); // the verdict in red
  expect(out).toContain(`${ESC}[1m${ESC}[31mCRITICAL`); // CRITICAL bold red
  const lines = tableLines(out);
  expect(lines.length).toBeGreaterThan(4);
  const widths = new Set(lines.map((l) => [...l].length));
  expect(widths.size).toBe(1);
  expect([...widths][0]).toBeLessThanOrEqual(100);
  expect(out).toContain('CVE-2019-14697');
  expect(out).not.toContain('### '); // no raw Markdown at the terminal
});

test('NO_COLOR: the same tables without a single escape sequence', () => {
  const out = onTerminal(evaluateArgs(), { NO_COLOR: '1' });
  expect(out).not.toContain(ESC);
  expect(tableLines(out).length).toBeGreaterThan(4);
});

test('a CI log (no TTY) gets the plain tables; FORCE_COLOR gives colour there too', () => {
  const plain = cliFromDist(evaluateArgs());
  expect(plain.code).toBe(1);
  expect(plain.stdout).not.toContain(ESC);
  expect(plain.stdout).toContain('✖ vulngate: FAIL — 2 blocking findings in 1 of 1 image');
  const forced = cliFromDist(evaluateArgs(), { env: { FORCE_COLOR: '1' } });
  expect(forced.stdout).toMatch(ANSI);
});

test('an escape sequence written into a report never reaches the terminal', () => {
  const report = JSON.parse(readFileSync(reportPath('alpine-39'), 'utf8'));
  report.Results[0].Vulnerabilities[0].Title = `${ESC}]0;pwned${ESC}\\${ESC}[2J evil title`;
  report.Results[0].Vulnerabilities[0].PkgName = `musl${ESC}[8m`;
  const file = path.join(tmp(), 'hostile.json');
  writeFileSync(file, JSON.stringify(report));
  const argv = ['evaluate', '--report', file, '--severity', 'LOW', '--ignore-unfixed', 'false', '--output-dir', tmp()];
  const out = onTerminal(argv, {
    NO_COLOR: '1',
  });
  expect(out).not.toContain(ESC);
  expect(out).toContain('evil title');
});

test('-q: the verdict alone; -f json: the audit record; -f markdown: summary.md', () => {
  const out = tmp();
  const quiet = cliFromDist([
    'evaluate',
    '--report',
    reportPath('alpine-39'),
    '-q',
    '-o',
    out,
    '--profiles-dir',
    tmp(),
  ]);
  expect(quiet.stdout).toBe('❌ vulngate: FAIL — 2 blocking findings in 1 of 1 image\n');
  expect(quiet.stderr).toBe('');
  const json = cliFromDist([
    'evaluate',
    '--report',
    reportPath('alpine-39'),
    '-f',
    'json',
    '-o',
    tmp(),
    '--profiles-dir',
    tmp(),
  ]);
  expect(JSON.parse(json.stdout).schemaVersion).toBe(3);
  const md = cliFromDist([
    'evaluate',
    '--report',
    reportPath('alpine-39'),
    '-f',
    'markdown',
    '-o',
    out,
    '--profiles-dir',
    tmp(),
  ]);
  expect(md.stdout).toContain(readFileSync(path.join(out, 'summary.md'), 'utf8'));
});
