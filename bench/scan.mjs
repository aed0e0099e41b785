// Scan wall time: N tarballs with the plain sequential Trivy loop vs `vulngate scan` (defaults: parallel = cores).
// Same Trivy binary, same offline fixture DB, same flags for both sides. Medians of RUNS runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import path from 'node:path';

const { TRIVY_BIN: trivy, TRIVY_FIXTURE_CACHE: cache, NODE24: node } = process.env;
const root = process.cwd();
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const flags = [
  '--scanners',
  'vuln,secret',
  '--cache-dir',
  cache,
  '--cache-backend',
  'memory',
  '--skip-db-update',
  '--skip-java-db-update',
  '--offline-scan',
  '--skip-version-check',
  '--disable-telemetry',
  '--no-progress',
];

function makeImages(n, padding) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-bench-'));
  const names = ['debian-app', 'node-app', 'alpine-base', 'clean'];
  const script = `import { FIXTURE_IMAGES } from '${root}/test/support/fixture-images.ts';
import { writeImage } from '${root}/test/support/image-tarball.ts';
const names = ${JSON.stringify(names)};
for (let i = 0; i < ${n}; i++) { const name = names[i % names.length]; await writeImage('${dir}/' + String(i).padStart(2, '0') + '-' + name + '.tar', { ...FIXTURE_IMAGES[name], padding: ${padding} }); }`;
  execFileSync(node, ['--input-type=module', '-e', script]);
  return dir;
}

// What people run today, in bash; `times` reports the CPU its children (Trivy) used.
const LOOP =
  'trivy="$1"; dir="$2"; shift 2; for t in "$dir"/*.tar; do "$trivy" image --input "$t" -f json -o "$t.json" "$@" 2>/dev/null || exit 1; done; times';

function parseSeconds(text) {
  const m = /(\d+)m([\d.]+)s/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
}

function plainLoop(dir) {
  const started = performance.now();
  const r = spawnSync('bash', ['-c', LOOP, 'loop', trivy, dir, ...flags], { encoding: 'utf8' });
  const wall = performance.now() - started;
  if (r.status !== 0) throw new Error(`plain loop failed: ${r.stderr}`);
  const children = r.stdout.trim().split('\n').pop().split(/\s+/);
  return { wall, cpuSeconds: parseSeconds(children[0]) + parseSeconds(children[1]) };
}

/** The lower bound's other half: the longest single scan, each image scanned alone. */
function longestSingleScan(dir) {
  let longest = 0;
  for (const t of readdirSync(dir).filter((f) => f.endsWith('.tar'))) {
    const s = performance.now();
    spawnSync(
      trivy,
      ['image', '--input', path.join(dir, t), '-f', 'json', '-o', path.join(dir, `${t}.json`), ...flags],
      { stdio: 'ignore' },
    );
    longest = Math.max(longest, performance.now() - s);
  }
  return longest / 1000;
}

/** A cache dir with the fixture DB and no layer cache: every vulngate run here is a cold one, as the loop's are. */
function freshCache() {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-bench-cache-'));
  cpSync(path.join(cache, 'db'), path.join(dir, 'db'), { recursive: true });
  return dir;
}

function vulngate(dir) {
  const out = mkdtempSync(path.join(tmpdir(), 'vg-bench-out-'));
  const cacheDir = freshCache();
  const started = performance.now();
  const r = spawnSync(
    node,
    [
      path.join(root, 'dist/cli/index.js'),
      'scan',
      '--images',
      `${dir}/*.tar`,
      '--cache-dir',
      cacheDir,
      '--offline',
      '--output-dir',
      out,
      '--profiles-dir',
      out,
    ],
    {
      env: { PATH: `${path.dirname(trivy)}:${process.env.PATH}`, HOME: process.env.HOME },
      encoding: 'utf8',
    },
  );
  const wall = performance.now() - started;
  if (r.status !== 1 && r.status !== 0) throw new Error(`vulngate exited ${r.status}: ${r.stderr}`);
  const trivyTimes = [...r.stderr.matchAll(/Scanned .* in ([\d.]+) s/g)].map((m) => Number(m[1]) * 1000);
  rmSync(out, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
  return { wall, trivyTimes };
}

const cases = (process.env.BENCH_SCAN_CASES ?? '1:0,4:0,8:0,16:0').split(',').map((c) => c.split(':').map(Number));
console.log(
  `Cores: ${availableParallelism()}; runs per case: ${RUNS}; vulngate defaults (parallel = ${availableParallelism()}).`,
);
console.log('');
console.log(
  '| images | padding per image (MB) | plain loop a (s) | vulngate scan b (s) | b/a | longest single Trivy scan (s) | Trivy CPU / cores (s) | b / lower bound |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [n, mb] of cases) {
  const dir = makeImages(n, mb * 1024 * 1024);
  const loops = [];
  const gates = [];
  let cpu = 0;
  for (let i = 0; i < RUNS; i += 1) {
    const l = plainLoop(dir);
    loops.push(l.wall);
    cpu = Math.max(cpu, l.cpuSeconds);
    gates.push(vulngate(dir).wall);
  }
  const a = median(loops) / 1000;
  const b = median(gates) / 1000;
  const longest = longestSingleScan(dir);
  const bound = Math.max(longest, cpu / availableParallelism());
  console.log(
    `| ${n} | ${mb} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)} | ${longest.toFixed(2)} | ${(cpu / availableParallelism()).toFixed(2)} | ${(b / bound).toFixed(2)} |`,
  );
  rmSync(dir, { recursive: true, force: true });
}
if (process.env.BENCH_OVERHEAD !== '0') {
  // vulngate's own overhead for one image: its wall time minus the Trivy scan it reported.
  const dir = makeImages(1, 0);
  const overheads = [];
  for (let i = 0; i < Math.max(RUNS, 5); i += 1) {
    const r = vulngate(dir);
    overheads.push(r.wall - r.trivyTimes.reduce((x, y) => x + y, 0));
  }
  console.log('');
  console.log(
    `Overhead for N = 1 (vulngate wall time not spent inside Trivy, median of ${overheads.length}): ${median(overheads).toFixed(0)} ms`,
  );
  rmSync(dir, { recursive: true, force: true });
}
