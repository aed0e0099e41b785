// Scan wall time on the shape of real work: a real Debian 12 rootfs (debootstrap minbase, ~200 MB) as the base
// layer, rescanned on every push. Side by side in one run, on the same Trivy binary, flags and offline fixture DB:
//   the plain loop (`trivy image --input` one tarball after another, Trivy's default fs cache in one cache dir), and
//   `vulngate scan` with defaults; each cold (empty cache) and warm (the same cache again).
// Lower bound: the longest single scan (one image alone, no cache) or the loop's CPU (every distinct layer analysed
// once) ÷ cores, whichever is larger.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  createReadStream,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';

const { TRIVY_BIN: trivy, TRIVY_FIXTURE_CACHE: fixtureCache, NODE24: node, BENCH_ROOTFS: rootfs } = process.env;
const root = process.cwd();
const cores = availableParallelism();
const work = mkdtempSync(path.join(process.env.BENCH_TMP ?? tmpdir(), 'vg-bench-layers-'));
const TAR = ['--sort=name', '--mtime=2024-01-01 00:00Z', '--owner=0', '--group=0', '--numeric-owner'];

async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

/** An app layer: 40 text files, a package.json and node_modules/lodash 4.17.20 (a known HIGH). */
function appLayer(name) {
  const dir = path.join(work, `app-${name}`);
  mkdirSync(path.join(dir, 'srv/app/node_modules/lodash'), { recursive: true });
  for (let i = 0; i < 40; i += 1) writeFileSync(path.join(dir, `srv/app/file-${i}.txt`), `${name} ${i}\n`.repeat(50));
  writeFileSync(
    path.join(dir, 'srv/app/package.json'),
    JSON.stringify({ name, version: '1.0.0', dependencies: { lodash: '4.17.20' } }),
  );
  writeFileSync(
    path.join(dir, 'srv/app/node_modules/lodash/package.json'),
    '{"name":"lodash","version":"4.17.20","license":"MIT"}',
  );
  const tar = path.join(work, `app-${name}.tar`);
  execFileSync('tar', [...TAR, '-C', dir, '-cf', tar, '.']);
  return tar;
}

/** A base layer that differs from the real rootfs by one file: a distinct base with the same work. */
function distinctBase(i) {
  const dir = path.join(work, `marker-${i}`);
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  writeFileSync(path.join(dir, 'etc/vulngate-bench-base'), `base ${i}\n`);
  const tar = path.join(work, `base-${i}.tar`);
  cpSync(rootfs, tar);
  execFileSync('tar', [...TAR, '-C', dir, '-rf', tar, './etc/vulngate-bench-base']);
  return tar;
}

/**
 * History as `docker build` writes it for `FROM debian` + `COPY`: the base image ends with its CMD, so Trivy treats
 * the layers before it as the base and skips secret scanning there. Images without history (imported rootfs,
 * squashed builds) get every layer secret-scanned: the slow shape, measured separately.
 */
function historyFor(layerCount, dockerBuild) {
  if (!dockerBuild)
    return Array.from({ length: layerCount }, (_, i) => ({
      created: '2024-01-01T00:00:00Z',
      created_by: `bench layer ${i + 1}`,
    }));
  return [
    { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:bookworm-rootfs in / ' },
    { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop)  CMD ["bash"]', empty_layer: true },
    ...Array.from({ length: layerCount - 1 }, () => ({
      created: '2024-01-02T00:00:00Z',
      created_by: 'COPY . /srv/app # buildkit',
    })),
  ];
}

/** A `docker save` archive from layer tars on disk (hard-linked into the staging tree, then tarred). */
async function dockerSave(file, repoTag, layers, dockerBuild) {
  const stage = mkdtempSync(path.join(work, 'stage-'));
  const digests = [];
  for (const layer of layers) {
    const digest = await sha256File(layer);
    digests.push(digest);
    mkdirSync(path.join(stage, digest), { recursive: true });
    linkSync(layer, path.join(stage, digest, 'layer.tar'));
  }
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: digests.map((d) => `sha256:${d}`) },
    history: historyFor(digests.length, dockerBuild),
  });
  const configDigest = createHash('sha256').update(config).digest('hex');
  writeFileSync(path.join(stage, `${configDigest}.json`), config);
  const manifest = [
    { Config: `${configDigest}.json`, RepoTags: [repoTag], Layers: digests.map((d) => `${d}/layer.tar`) },
  ];
  writeFileSync(path.join(stage, 'manifest.json'), JSON.stringify(manifest));
  execFileSync('tar', [...TAR, '-C', stage, '-cf', file, '.']);
  rmSync(stage, { recursive: true, force: true });
}

function freshCache() {
  const dir = mkdtempSync(path.join(work, 'cache-'));
  cpSync(path.join(fixtureCache, 'db'), path.join(dir, 'db'), { recursive: true });
  return dir;
}

const FLAGS = [
  '--scanners',
  'vuln,secret',
  '--skip-db-update',
  '--skip-java-db-update',
  '--offline-scan',
  '--skip-version-check',
  '--disable-telemetry',
  '--no-progress',
];
const LOOP =
  'trivy="$1"; dir="$2"; shift 2; for t in "$dir"/*.tar; do "$trivy" image --input "$t" -f json -o "$t.json" "$@" 2>/dev/null || exit 1; done; times';
const seconds = (t) => {
  const m = /(\d+)m([\d.]+)s/.exec(t);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
};

function plainLoop(dir, cache) {
  const started = performance.now();
  const r = spawnSync('bash', ['-c', LOOP, 'loop', trivy, dir, '--cache-dir', cache, ...FLAGS], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`plain loop failed: ${r.stderr}`);
  const children = r.stdout.trim().split('\n').pop().split(/\s+/);
  return { wall: (performance.now() - started) / 1000, cpu: seconds(children[0]) + seconds(children[1]) };
}

function singleScan(tarball) {
  const started = performance.now();
  const out = path.join(work, 'single.json');
  const r = spawnSync(trivy, [
    'image',
    '--input',
    tarball,
    '-f',
    'json',
    '-o',
    out,
    '--cache-dir',
    fixtureCache,
    '--cache-backend',
    'memory',
    ...FLAGS,
  ]);
  if (r.status !== 0) throw new Error(`single scan failed: ${r.stderr}`);
  return (performance.now() - started) / 1000;
}

function vulngate(dir, cache, extra = []) {
  const out = mkdtempSync(path.join(work, 'out-'));
  const started = performance.now();
  // BENCH_EXTRA: more flags for every vulngate run (e.g. `--tarball-sha256 false`, to measure a default's cost).
  const args = [
    'scan',
    ...extra,
    ...(process.env.BENCH_EXTRA ? process.env.BENCH_EXTRA.split(' ') : []),
    '--images',
    `${dir}/*.tar`,
    '--cache-dir',
    cache,
    '--offline',
    '--output-dir',
    out,
    '--profiles-dir',
    out,
    '--timings',
  ];
  const r = spawnSync(node, [path.join(root, 'dist/cli/index.js'), ...args], {
    env: { PATH: `${path.dirname(trivy)}:${process.env.PATH}`, HOME: process.env.HOME },
    encoding: 'utf8',
  });
  const wall = (performance.now() - started) / 1000;
  if (r.status !== 1 && r.status !== 0) throw new Error(`vulngate exited ${r.status}: ${r.stderr}`);
  // The summary says how many layers were analysed; the terminal report does not.
  const summary = readFileSync(path.join(out, 'summary.md'), 'utf8');
  const layers = /Layers: (\d+) layers? analysed, (\d+) from/.exec(summary);
  rmSync(out, { recursive: true, force: true });
  // BENCH_TIMINGS=1: vulngate's own phase table for each run, on stderr.
  if (process.env.BENCH_TIMINGS)
    process.stderr.write(`${dir} ${args.join(' ')}\n${r.stderr.slice(r.stderr.indexOf('Timings:'))}\n`);
  return { wall, analysed: layers ? `${layers[1]} / ${layers[2]}` : '–' };
}

async function sharedBase(n, dockerBuild, push = 'first') {
  const dir = mkdtempSync(path.join(work, 'shared-'));
  for (let i = 0; i < n; i += 1) {
    const layers = [rootfs, appLayer(`svc-${i}-${push}`)];
    await dockerSave(path.join(dir, `svc-${i}.tar`), `shop/svc-${i}:1.0`, layers, dockerBuild);
  }
  return dir;
}

const bases = new Map();
async function distinctBases(n, dockerBuild, push = 'first') {
  const dir = mkdtempSync(path.join(work, 'distinct-'));
  for (let i = 0; i < n; i += 1) {
    if (!bases.has(i)) bases.set(i, distinctBase(i));
    const layers = [bases.get(i), appLayer(`d-${i}-${push}`)];
    await dockerSave(path.join(dir, `svc-${i}.tar`), `shop/base-${i}:1.0`, layers, dockerBuild);
  }
  return dir;
}

const row = (cells) => `| ${cells.join(' | ')} |`;
const ratio = (a, b) => `${(a / b).toFixed(2)} ×`;
console.log(
  `Cores: ${cores}. Base layer: a real Debian 12 rootfs (debootstrap minbase), ${execFileSync('du', ['-m', rootfs]).toString().split('\t')[0]} MB; app layer per image: 40 text files, package.json, node_modules/lodash 4.17.20. One run per cell.`,
);
console.log('');
console.log(
  row([
    'case',
    'loop cold (s)',
    'vulngate cold (s)',
    'cold ratio',
    'loop, same images again (s)',
    'vulngate, same images again (s)',
    'again ratio',
    'loop, next push (s)',
    'vulngate, next push (s)',
    'next-push ratio',
    'lower bound (s)',
    'vulngate cold / bound',
    'layers analysed / from cache (cold → again → next push)',
  ]),
);
console.log(row(['---', ...Array(11).fill('---:'), '---']));
for (const [label, make, n, dockerBuild] of [
  ['8 images, one shared base, docker-build history', sharedBase, 8, true],
  ['8 images, one shared base, no history (every layer secret-scanned)', sharedBase, 8, false],
  ['4 images, distinct bases, docker-build history', distinctBases, 4, true],
  ['4 images, distinct bases, no history', distinctBases, 4, false],
]) {
  const dir = await make(n, dockerBuild);
  // The next push: the same bases, every app layer changed (a new commit in each service).
  const next = await make(n, dockerBuild, 'next');
  const loopCache = freshCache();
  const loopCold = plainLoop(dir, loopCache);
  const loopWarm = plainLoop(dir, loopCache);
  const loopNext = plainLoop(next, loopCache);
  const gateCache = freshCache();
  const gateCold = vulngate(dir, gateCache);
  const gateWarm = vulngate(dir, gateCache);
  const gateNext = vulngate(next, gateCache);
  const longest = singleScan(path.join(dir, 'svc-0.tar'));
  const bound = Math.max(longest, loopCold.cpu / cores);
  console.log(
    row([
      label,
      loopCold.wall.toFixed(1),
      gateCold.wall.toFixed(1),
      ratio(gateCold.wall, loopCold.wall),
      loopWarm.wall.toFixed(1),
      gateWarm.wall.toFixed(1),
      ratio(gateWarm.wall, loopWarm.wall),
      loopNext.wall.toFixed(1),
      gateNext.wall.toFixed(1),
      ratio(gateNext.wall, loopNext.wall),
      `${bound.toFixed(1)} (longest ${longest.toFixed(1)}, CPU ${loopCold.cpu.toFixed(1)} ÷ ${cores})`,
      ratio(gateCold.wall, bound),
      `${gateCold.analysed} → ${gateWarm.analysed} → ${gateNext.analysed}`,
    ]),
  );
  rmSync(dir, { recursive: true, force: true });
  rmSync(next, { recursive: true, force: true });
}

// Many images on one base: the cost per image should stay flat (cold, docker-build history). BENCH_MANY=8,16: fewer.
const many = (process.env.BENCH_MANY ?? '8,16,32,64').split(',').filter(Boolean).map(Number);
console.log('');
console.log(row(['images on one base', 'loop cold (s)', 'vulngate cold (s)', 'ratio', 'vulngate per image (s)']));
console.log(row(['---:', '---:', '---:', '---:', '---:']));
for (const n of many) {
  const dir = await sharedBase(n, true);
  const loop = plainLoop(dir, freshCache());
  const gate = vulngate(dir, freshCache());
  console.log(
    row([n, loop.wall.toFixed(1), gate.wall.toFixed(1), ratio(gate.wall, loop.wall), (gate.wall / n).toFixed(3)]),
  );
  rmSync(dir, { recursive: true, force: true });
}
rmSync(work, { recursive: true, force: true });
