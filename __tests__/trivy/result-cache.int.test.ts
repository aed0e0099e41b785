// The result cache on the real Trivy (through a shim that counts its runs): an unchanged image is not scanned again,
// and each part of the key that a user can change between runs — the image, the DB, the flags, the VEX, the Trivy
// version — makes it scanned again. The key's parts one by one: __tests__/trivy/result-cache.test.ts.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { cliInProcess } from '../../test/support/cli.ts';
import { FIXTURE_IMAGES } from '../../test/support/fixture-images.ts';
import { dockerSaveArchive, writeImage } from '../../test/support/image-tarball.ts';
import { realTrivy } from '../../test/support/trivy.ts';
import { trivyShim } from '../../test/support/trivy-shim.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-rc-'));
const debian = FIXTURE_IMAGES['debian-app']!;

interface Results {
  images: { name: string; report: string; layers?: { total: number; analysed: number; fromCache: number } }[];
  findings: { id: string; package: string; decision: string }[];
}

const shim = trivyShim();
const imageScans = () => shim.calls().filter((c) => c.startsWith('image ')).length;

async function scan(tarballs: string, cacheDir: string, extra: string[] = []) {
  const out = tmp();
  const before = imageScans();
  const run = await cliInProcess(
    [
      'scan',
      '--images',
      tarballs,
      '--cache-dir',
      cacheDir,
      '--offline',
      '--output-dir',
      out,
      '--profiles-dir',
      tmp(),
    ].concat(extra),
    { env: { PATH: `${shim.dir}${path.delimiter}${process.env.PATH}`, HOME: process.env.HOME } },
  );
  expect(run.stderr).not.toMatch(/^error: /m);
  const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8')) as Results;
  const rows = results.findings.map((f) => `${f.id} ${f.package} ${f.decision}`).sort();
  return { run, out, results, rows, trivyRuns: imageScans() - before };
}

function freshCache(): string {
  const dir = tmp();
  cpSync(path.join(realTrivy().cache, 'db'), path.join(dir, 'db'), { recursive: true });
  return dir;
}

const REUSED = /the report of an earlier run \(same image, Trivy, DBs, flags and VEX: result cache\)/;

test('an unchanged image reuses its report: no Trivy run, the same findings, the report names the new path', async () => {
  const cache = freshCache();
  const first = tmp();
  await writeImage(path.join(first, 'app.tar'), { repoTag: 'shop/app:1', layers: debian.layers });
  const cold = await scan(path.join(first, 'app.tar'), cache);
  expect(cold.trivyRuns).toBe(1);
  expect(cold.run.stderr).not.toMatch(REUSED);
  expect(cold.rows.length).toBeGreaterThan(0);

  // The same image from another checkout (another path): nothing changed that decides the result.
  const second = tmp();
  cpSync(path.join(first, 'app.tar'), path.join(second, 'app.tar'));
  const warm = await scan(path.join(second, 'app.tar'), cache);
  expect(warm.trivyRuns).toBe(0);
  expect(warm.run.stderr).toMatch(REUSED);
  expect(warm.rows).toEqual(cold.rows);
  expect(warm.run.code).toBe(cold.run.code);
  const layers = debian.layers.length;
  expect(warm.results.images[0]!.layers).toEqual({ total: layers, analysed: 0, fromCache: layers });
  const report = JSON.parse(readFileSync(path.join(warm.out, warm.results.images[0]!.report), 'utf8')) as {
    ArtifactName: string;
  };
  expect(report.ArtifactName).toBe(path.join(second, 'app.tar'));

  // A different image under the same name and path is scanned.
  await writeImage(path.join(second, 'app.tar'), {
    repoTag: 'shop/app:1',
    layers: [...debian.layers, [{ path: 'srv/new.txt', content: 'changed\n' }]],
  });
  expect((await scan(path.join(second, 'app.tar'), cache)).trivyRuns).toBe(1);
}, 180_000);

test('a new DB, other flags, a VEX file or its contents, and another Trivy each scan again', async () => {
  const cache = freshCache();
  const dir = tmp();
  const tarball = path.join(dir, 'app.tar');
  await writeImage(tarball, { repoTag: 'shop/app:1', layers: debian.layers });
  expect((await scan(tarball, cache)).trivyRuns).toBe(1);
  expect((await scan(tarball, cache)).trivyRuns).toBe(0);

  // The DB was updated (the nightly download): a CVE published today must be matched today.
  const metadata = path.join(cache, 'db', 'metadata.json');
  const db = JSON.parse(readFileSync(metadata, 'utf8')) as { UpdatedAt: string };
  writeFileSync(metadata, JSON.stringify({ ...db, UpdatedAt: new Date(Date.parse(db.UpdatedAt) + 3_600_000) }));
  expect((await scan(tarball, cache)).trivyRuns).toBe(1);
  expect((await scan(tarball, cache)).trivyRuns).toBe(0);

  // Other flags: without the SBOM Trivy is not asked to list every package.
  expect((await scan(tarball, cache, ['--write-sbom', 'false'])).trivyRuns).toBe(1);
  expect((await scan(tarball, cache, ['--write-sbom', 'false'])).trivyRuns).toBe(0);

  // A VEX file, then the same file with other contents.
  const vex = path.join(dir, 'app.openvex.json');
  const statement = (status: string) =>
    JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://example.com/vex/1',
      author: 'security@example.com',
      timestamp: '2026-12-01T00:00:00Z',
      version: 1,
      statements: [
        {
          vulnerability: { name: 'CVE-2025-9230' },
          products: [{ '@id': 'pkg:deb/debian/openssl@3.0.19-1~deb12u2?arch=amd64&distro=debian-12.11' }],
          status,
          ...(status === 'not_affected' ? { justification: 'vulnerable_code_not_in_execute_path' } : {}),
        },
      ],
    });
  const openssl = (rows: string[]) => rows.filter((r) => r.startsWith('CVE-2025-9230 openssl '));
  writeFileSync(vex, statement('not_affected'));
  const vexed = await scan(tarball, cache, ['--vex', vex]);
  expect([vexed.trivyRuns, openssl(vexed.rows)]).toEqual([1, ['CVE-2025-9230 openssl vex']]);
  const again = await scan(tarball, cache, ['--vex', vex]);
  expect([again.trivyRuns, openssl(again.rows)]).toEqual([0, ['CVE-2025-9230 openssl vex']]);
  // The vendor withdrew the statement: the cached suppression must not outlive it.
  writeFileSync(vex, statement('affected'));
  const withdrawn = await scan(tarball, cache, ['--vex', vex]);
  expect([withdrawn.trivyRuns, openssl(withdrawn.rows)]).toEqual([1, ['CVE-2025-9230 openssl blocking']]);

  // Another Trivy: the layer cache, and the results kept with it, start anew.
  const note = path.join(cache, 'fanal', 'vulngate-layer-cache.json');
  writeFileSync(note, JSON.stringify({ ...JSON.parse(readFileSync(note, 'utf8')), trivyVersion: '0.73.0' }));
  expect((await scan(tarball, cache)).trivyRuns).toBe(1);

  // With the layer cache off nothing is kept or reused.
  expect((await scan(tarball, cache, ['--layer-cache', 'false'])).trivyRuns).toBe(1);
}, 300_000);

test('an archive whose layers cannot be checked (gzip-compressed) is scanned with a cache of its own', async () => {
  const cache = freshCache();
  const dir = tmp();
  // `docker save | gzip`: Trivy reads it, vulngate cannot index it, so it cannot hash its layers against the config.
  writeFileSync(
    path.join(dir, 'b-packed.tar.gz'),
    gzipSync(await dockerSaveArchive({ ...debian, repoTag: 'shop/packed:1' })),
  );
  await writeImage(path.join(dir, 'a-plain.tar'), { repoTag: 'shop/plain:1', layers: debian.layers });
  const callsBefore = shim.calls().length;
  const run = await scan(`${dir}/a-plain.tar,${dir}/b-packed.tar.gz`, cache);
  expect(run.trivyRuns).toBe(2);
  expect(run.run.stderr).toMatch(
    /b-packed\.tar\.gz: its layers cannot be checked \(the archive is gzip-compressed\); scanned with a cache of its own/,
  );
  const scans = shim
    .calls()
    .slice(callsBefore)
    .filter((c) => c.startsWith('image '));
  const packed = scans.find((c) => c.includes('b-packed.tar.gz'))!;
  const plain = scans.find((c) => c !== packed)!;
  expect(packed).toContain('--cache-backend memory');
  expect(packed).not.toContain('--server');
  // The readable one: a layout of its checked layers, through the shared server.
  expect(plain).toMatch(/--input \S*vulngate-layers-[^/]+\/views\//);
  expect(plain).toContain('--server');
  // Both judged, the same findings: the packed one was scanned, only not into the shared cache.
  const names = run.results.images.map((i) => i.name).sort();
  expect(names).toEqual(['shop/packed:1', 'shop/plain:1']);
  // And never kept as a reusable report.
  expect((await scan(`${dir}/b-packed.tar.gz`, cache)).trivyRuns).toBe(1);
}, 180_000);
