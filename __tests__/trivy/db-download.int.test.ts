// The DB path users take (download once, mirrors in order, retries on rate limits), on the real Trivy against a
// local OCI registry serving the fixture DB.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanError } from '../../src/core/errors.js';
import { TrivyScanner } from '../../src/trivy/trivy-scanner.js';
import { cliInProcess } from '../../test/support/cli.ts';
import { writeFixtureImages } from '../../test/support/fixture-images.ts';
import { recordingLogger } from '../../test/support/logger.ts';
import { startDbRegistry, type RegistryFake } from '../../test/support/oci-registry.ts';
import { pathWithTrivy, realTrivy } from '../../test/support/trivy.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-db-'));
let registry: RegistryFake;
beforeAll(async () => {
  registry = await startDbRegistry({
    dbDir: path.join(realTrivy().cache, 'db'),
    repositories: ['aquasecurity/trivy-db'],
  });
});
afterAll(() => registry.close());
beforeEach(() => registry.requests.splice(0));

function scanner(dbRepositories: string[], cacheDir = tmp()) {
  const logger = recordingLogger();
  const s = new TrivyScanner(
    {
      binary: realTrivy().bin,
      version: '0.74.0',
      cacheDir,
      timeoutSeconds: 120,
      offline: false,
      dbRepositories,
      javaDb: false,
      vexFiles: [],
      listAllPackages: false,
      downloadRetry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 1000, totalMs: 60_000, jitter: false },
      layerCache: { enabled: false, maxMb: 64 },
    },
    logger,
    { PATH: process.env.PATH, HOME: process.env.HOME },
  );
  return { scanner: s, logger, cacheDir };
}

test('downloads the DB from the first repository that has it; scans then use it', async () => {
  const {
    scanner: s,
    cacheDir,
    logger,
  } = scanner([registry.repository('mirror/missing-db'), registry.repository('aquasecurity/trivy-db')]);
  await s.prepare({ targets: 1 });
  // Said as it happens, with its outcome: which mirror, how big, how long.
  const said = logger.at('info').filter((l) => /Download/.test(l));
  expect(said).toEqual(
    expect.arrayContaining([
      `Downloading the Trivy vulnerability DB from ${registry.repository('mirror/missing-db')}…`,
      `Downloading the Trivy vulnerability DB from ${registry.repository('aquasecurity/trivy-db')}…`,
      expect.stringMatching(/^Downloaded the Trivy vulnerability DB \(\d+ MB\) in \d+\.\d s$/),
    ]),
  );
  expect(existsSync(path.join(cacheDir, 'db', 'trivy.db'))).toBe(true);
  const manifestRequests = registry.requests
    .filter((r) => r.path.includes('/manifests/'))
    .map((r) => `${r.path} ${r.status}`);
  expect(manifestRequests[0]).toBe('/v2/mirror/missing-db/manifests/2 404');
  expect(manifestRequests).toContain('/v2/aquasecurity/trivy-db/manifests/2 200');
  expect(JSON.parse(readFileSync(path.join(cacheDir, 'db', 'metadata.json'), 'utf8')).Version).toBe(2);

  const images = tmp();
  const [tarball] = await writeFixtureImages(images, ['debian-app']);
  const report = path.join(images, 'report.json');
  await s.scan({ target: { kind: 'image', path: tarball! }, reportPath: report });
  const vulns = JSON.parse(readFileSync(report, 'utf8')).Results[0].Vulnerabilities as { VulnerabilityID: string }[];
  expect(vulns.map((v) => v.VulnerabilityID)).toContain('CVE-2025-9230');
});

test('a rate limit (429 TOOMANYREQUESTS) that outlasts one Trivy run is retried with backoff', async () => {
  // Trivy's registry client already retries a 429 three times within one run; three more make that run fail.
  registry.rateLimitNext(3);
  const { scanner: s, logger, cacheDir } = scanner([registry.repository('aquasecurity/trivy-db')]);
  await s.prepare({ targets: 1 });
  expect(existsSync(path.join(cacheDir, 'db', 'trivy.db'))).toBe(true);
  expect(registry.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(1);
  expect(logger.at('warning')[0]).toMatch(
    /^Downloading the Trivy vulnerability DB failed \(attempt 1\/3, rate limited\); retrying in 0\.02 s$/,
  );
});

test('a rate limit that lasts is a scanner error that says so, distinct from a policy failure', async () => {
  registry.rateLimitNext(1000);
  const { scanner: s } = scanner([registry.repository('aquasecurity/trivy-db')]);
  const attempt = s.prepare({ targets: 1 });
  await expect(attempt).rejects.toBeInstanceOf(ScanError);
  await expect(attempt).rejects.toThrow(
    `could not download the Trivy vulnerability DB after 3 attempt(s): the registry rate-limited the download (TOOMANYREQUESTS) from ${registry.repository('aquasecurity/trivy-db')}; set db-repository to a mirror, or retry later`,
  );
  registry.rateLimitNext(0);
});

test('vulngate scan prepares the DB once per run, not once per image', async () => {
  const images = tmp();
  await writeFixtureImages(images);
  const out = tmp();
  const run = await cliInProcess(
    [
      'scan',
      '--images',
      `${images}/*.tar`,
      '--cache-dir',
      tmp(),
      '--db-repository',
      registry.repository('aquasecurity/trivy-db'),
      '--java-db',
      'false',
      '--output-dir',
      out,
      '--profiles-dir',
      tmp(),
    ],
    { env: { PATH: pathWithTrivy(), HOME: process.env.HOME } },
  );
  expect(run.code).toBe(1);
  expect(registry.requests.filter((r) => r.path.includes('/manifests/'))).toHaveLength(1);
  expect(JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8')).images).toHaveLength(4);
});
