// The layer cache on the real Trivy: images that share a base layer analyse it once, findings are the same as
// uncached scans, the cache is kept between runs, and the local server fails cleanly and never outlives the run.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliInProcess, summaryOf } from '../../test/support/cli.ts';
import { FIXTURE_IMAGES } from '../../test/support/fixture-images.ts';
import { writeImage, type ImageFile } from '../../test/support/image-tarball.ts';
import { ROOT } from '../../test/support/paths.ts';
import { realTrivy } from '../../test/support/trivy.ts';
import { trivyShim } from '../../test/support/trivy-shim.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-lc-'));

/** Running, not a zombie waiting to be reaped (a killed child of an exited parent may be one here). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
const debianBase = FIXTURE_IMAGES['debian-app']!.layers[0]!;
const alpineBase = FIXTURE_IMAGES['node-app']!.layers[0]!;
const app = (name: string, extra: ImageFile[] = []): ImageFile[] => [
  { path: `srv/${name}/main.txt`, content: `${name}\n` },
  ...extra,
];
const lodash: ImageFile = {
  path: 'srv/node_modules/lodash/package.json',
  content: '{"name":"lodash","version":"4.17.20","license":"MIT"}',
};

/** Three services on one Debian base (one with lodash), and one on Alpine: as one product's images are. */
async function productImages(): Promise<string> {
  const dir = tmp();
  await writeImage(path.join(dir, 'api.tar'), { repoTag: 'shop/api:1', layers: [debianBase, app('api', [lodash])] });
  await writeImage(path.join(dir, 'web.tar'), { repoTag: 'shop/web:1', layers: [debianBase, app('web')] });
  await writeImage(path.join(dir, 'worker.tar'), { repoTag: 'shop/worker:1', layers: [debianBase, app('worker')] });
  await writeImage(path.join(dir, 'edge.tar'), { repoTag: 'shop/edge:1', layers: [alpineBase, app('edge')] });
  return dir;
}

/** A cache dir with the fixture DB and no layer cache yet. */
function freshCache(): string {
  const dir = tmp();
  cpSync(path.join(realTrivy().cache, 'db'), path.join(dir, 'db'), { recursive: true });
  return dir;
}

interface Results {
  images: { name: string; layers?: { total: number; analysed: number; fromCache: number } }[];
  findings: {
    image: string;
    target: string;
    id: string;
    package: string;
    installedVersion: string;
    fixedVersion: string;
    severity: string;
    decision: string;
  }[];
}

async function scan(images: string, cacheDir: string, extra: string[] = [], pathDir = realTrivy().dir) {
  const out = tmp();
  const run = await cliInProcess(
    [
      'scan',
      '--images',
      images,
      '--cache-dir',
      cacheDir,
      '--offline',
      '--output-dir',
      out,
      '--profiles-dir',
      tmp(),
      ...extra,
    ],
    { env: { PATH: `${pathDir}${path.delimiter}${process.env.PATH}`, HOME: process.env.HOME } },
  );
  const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8')) as Results;
  return { run, results };
}

const findingRows = (r: Results) =>
  r.findings
    .map(
      (f) =>
        `${f.image} ${f.target} ${f.id} ${f.package} ${f.installedVersion} ${f.fixedVersion} ${f.severity} ${f.decision}`,
    )
    .sort();
const layerCounts = (r: Results) => Object.fromEntries(r.images.map((i) => [i.name, i.layers]));

test('a shared base layer is analysed once per run and not at all the next run; the findings equal uncached scans', async () => {
  expect.hasAssertions();
  const dir = await productImages();
  const cache = freshCache();
  const cold = await scan(`${dir}/*.tar`, cache, ['--parallel', '2']);
  expect(cold.run.code).toBe(1);
  const counts = layerCounts(cold.results);
  // The Debian base once: by whichever of api/web/worker went first; the other two find it in the cache.
  const debian = ['shop/api:1', 'shop/web:1', 'shop/worker:1'].map((n) => counts[n]!);
  expect(debian.map((c) => c.analysed).sort()).toEqual([1, 1, 2]);
  expect(debian.every((c) => c.total === 2 && c.fromCache === 2 - c.analysed)).toBe(true);
  expect(counts['shop/edge:1']).toEqual({ total: 2, analysed: 2, fromCache: 0 });
  expect(summaryOf(cold.run)).toContain("Layers: 6 layers analysed, 2 from Trivy's layer cache.");

  // Each image alone with no cache at all: what a plain `trivy image` loop reports.
  const uncached: string[] = [];
  for (const name of ['api', 'edge', 'web', 'worker']) {
    const alone = await scan(path.join(dir, `${name}.tar`), freshCache(), ['--layer-cache', 'false']);
    expect(alone.results.images[0]!.layers).toEqual({ total: 2, analysed: 2, fromCache: 0 });
    uncached.push(...findingRows(alone.results));
  }
  expect(findingRows(cold.results)).toEqual(uncached.sort());
  expect(findingRows(cold.results).some((r) => r.includes('lodash'))).toBe(true);

  const warm = await scan(`${dir}/*.tar`, cache, ['--parallel', '2']);
  expect(Object.values(layerCounts(warm.results)).map((c) => c?.analysed)).toEqual([0, 0, 0, 0]);
  expect(summaryOf(warm.run)).toContain("Layers: 0 layers analysed, 8 from Trivy's layer cache.");
  expect(findingRows(warm.results)).toEqual(findingRows(cold.results));
}, 180_000);

test('one image scans alone with the cache; a cache from another Trivy is started anew', async () => {
  const dir = await productImages();
  const cache = freshCache();
  expect((await scan(path.join(dir, 'api.tar'), cache)).results.images[0]!.layers?.analysed).toBe(2);
  expect((await scan(path.join(dir, 'web.tar'), cache)).results.images[0]!.layers).toEqual({
    total: 2,
    analysed: 1,
    fromCache: 1,
  });
  const note = path.join(cache, 'fanal', 'vulngate-layer-cache.json');
  writeFileSync(note, JSON.stringify({ ...JSON.parse(readFileSync(note, 'utf8')), trivyVersion: '0.73.0' }));
  const other = await scan(path.join(dir, 'web.tar'), cache);
  expect(other.run.stderr).toContain('not used: it was made by Trivy 0.73.0, not 0.74.0; starting it anew');
  expect(other.results.images[0]!.layers?.analysed).toBe(2);
}, 120_000);

test('the server listens on loopback, gets its token by environment only, and is the only one the clients use', async () => {
  const shim = trivyShim();
  const dir = await productImages();
  const { run } = await scan(`${dir}/*.tar`, freshCache(), [], shim.dir);
  expect(run.code).toBe(1);
  const calls = shim.calls();
  const server = calls.find((c) => c.startsWith('server '))!;
  expect(server).toMatch(/--listen 127\.0\.0\.1:\d+ /);
  expect(server).toMatch(/TRIVY_TOKEN=set$/);
  const scans = calls.filter((c) => c.includes('--input'));
  expect(scans).toHaveLength(4);
  const port = /127\.0\.0\.1:(\d+)/.exec(server)![1];
  expect(scans.every((c) => c.includes(`--server http://127.0.0.1:${port}`) && c.endsWith('TRIVY_TOKEN=set'))).toBe(
    true,
  );
  expect(calls.every((c) => !/--token\b/.test(c))).toBe(true);
  expect(running(shim.serverPid()!)).toBe(false);
}, 120_000);

test('a server that dies mid-run fails the remaining scans with one line each, bounded, and the run exits 3', async () => {
  expect.hasAssertions();
  const shim = trivyShim({ killServerBeforeScan: 2 });
  const dir = await productImages();
  const started = Date.now();
  const { run, results } = await scan(
    `${dir}/*.tar`,
    freshCache(),
    ['--parallel', '1', '--scan-timeout', '60'],
    shim.dir,
  );
  expect(run.code).toBe(3);
  expect(Date.now() - started).toBeLessThan(90_000);
  expect(results.images).toHaveLength(1);
  const errors = run.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors).toHaveLength(3);
  for (const line of errors)
    expect(line).toMatch(/\.tar: (Trivy failed \(exit 1\)|not scanned): the local Trivy server stopped \(SIGKILL\)/);
}, 120_000);

test('SIGTERM (a cancelled job) stops the local server with the run, and leaves no layer copies', async () => {
  const shim = trivyShim({ scanDelaySeconds: 30 });
  const dir = await productImages();
  const node = process.env.NODE24 ?? process.execPath;
  const args = [
    'scan',
    '--images',
    `${dir}/*.tar`,
    '--cache-dir',
    freshCache(),
    '--offline',
    '--output-dir',
    tmp(),
    '--profiles-dir',
    tmp(),
  ];
  const child = spawn(node, [path.join(ROOT, 'dist/cli/index.js'), ...args], {
    env: { PATH: `${shim.dir}${path.delimiter}${process.env.PATH}`, HOME: process.env.HOME },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 30_000;
  while (!shim.calls().some((c) => c.includes('--input')) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  const pid = shim.serverPid();
  expect(pid).toBeDefined();
  expect(running(pid!)).toBe(true);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  // The layout Trivy was given lives in this run's layer store (in /dev/shm or the temp dir).
  const input = /--input (\S+)/.exec(shim.calls().find((c) => c.includes('--input')) ?? '')?.[1] ?? '';
  const store = /^(.*\/vulngate-layers-[^/]+)\//.exec(input)?.[1];
  expect(store).toBeDefined();
  expect(existsSync(store!)).toBe(true);
  child.kill('SIGTERM');
  expect(await exited).toBe('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  expect(running(pid!)).toBe(false);
  expect(existsSync(store!)).toBe(false);
}, 90_000);
