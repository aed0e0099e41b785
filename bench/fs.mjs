// Code dependencies: `vulngate scan --fs .` on this repository (node_modules present) vs what a user runs instead,
// a plain `trivy fs .` with the same scanners, on the same Trivy binary and offline fixture DB. Medians of RUNS runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const { TRIVY_BIN: trivy, TRIVY_FIXTURE_CACHE: cache, NODE24: node } = process.env;
const root = process.cwd();
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const common = [
  '--scanners',
  'vuln,secret',
  '--cache-dir',
  cache,
  '--skip-db-update',
  '--skip-java-db-update',
  '--offline-scan',
  '--skip-version-check',
  '--disable-telemetry',
  '--no-progress',
];

function timed(command, args, options = {}) {
  const started = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  const ms = performance.now() - started;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${command} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return ms;
}

function countFiles(dir) {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) n += 1;
  return n;
}

const cases = {
  'plain `trivy fs . --scanners vuln,secret -f json`': () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'vg-fs-')), 'r.json');
    return timed(trivy, ['fs', root, '-f', 'json', '-o', out, '--cache-backend', 'memory', ...common]);
  },
  'plain trivy with vulngate’s flags (+ --list-all-pkgs --debug)': () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'vg-fs-')), 'r.json');
    return timed(trivy, [
      'fs',
      root,
      '-f',
      'json',
      '-o',
      out,
      '--cache-backend',
      'memory',
      '--list-all-pkgs',
      '--debug',
      ...common,
    ]);
  },
  '`vulngate scan --fs .` (judge, every output)': () => {
    const out = mkdtempSync(path.join(tmpdir(), 'vg-fs-out-'));
    const ms = timed(
      node,
      [
        path.join(root, 'dist/cli/index.js'),
        'scan',
        '--fs',
        '.',
        '--cache-dir',
        cache,
        '--offline',
        '--layer-cache',
        'false',
        '--output-dir',
        out,
        '--profiles-dir',
        out,
      ],
      { cwd: root, env: { ...process.env, PATH: `${path.dirname(trivy)}:${process.env.PATH}` } },
    );
    const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
    if (results.images[0]?.kind !== 'fs') throw new Error('vulngate did not scan the directory');
    rmSync(out, { recursive: true, force: true });
    return ms;
  },
};

console.log(
  `This repository: ${countFiles(root)} files (node_modules: ${countFiles(path.join(root, 'node_modules'))}). ` +
    `Median of ${RUNS} runs, runs interleaved.`,
);
console.log();
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < RUNS; i += 1) for (const [name, run] of Object.entries(cases)) times[name].push(run());
const plain = median(Object.values(times)[0]);
console.log('| command | median wall (s) | runs (s) | vs plain trivy fs |');
console.log('| --- | ---: | --- | ---: |');
for (const [name, list] of Object.entries(times)) {
  const runs = list.map((ms) => (ms / 1000).toFixed(2)).join(', ');
  console.log(`| ${name} | ${(median(list) / 1000).toFixed(2)} | ${runs} | ${(median(list) / plain).toFixed(2)} × |`);
}
