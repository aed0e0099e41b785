// End to end on the real Trivy (built by scripts/prepare-trivy.sh) with the fixture DB, fully offline.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURE_IMAGES, writeFixtureImages } from '../../test/support/fixture-images.ts';
import { writeImage, writeOciLayoutDir } from '../../test/support/image-tarball.ts';
import { cliInProcess } from '../../test/support/cli.ts';
import { freshTrivyCache, pathWithTrivy, startTrivyServer } from '../../test/support/trivy.ts';
import { validateSarif } from '../../test/support/sarif-validator.ts';
import { ROOT } from '../../test/support/paths.ts';
import { Ajv } from 'ajv';

interface ResultFinding {
  image: string;
  id: string;
  package: string;
  installedVersion: string;
  fixedVersion: string;
  severity: string;
  decision: string;
}

const row = (f: ResultFinding) =>
  `${f.id} ${f.package} ${f.installedVersion} → ${f.fixedVersion || '-'} ${f.severity} ${f.decision}`;

function byImage(results: { findings: ResultFinding[] }): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of results.findings) (out[f.image] ??= []).push(row(f));
  for (const list of Object.values(out)) list.sort();
  return out;
}

/** Exact findings of the fixture images under the default profile (HIGH, ignore unfixed). */
const EXPECTED: Record<string, string[]> = {
  'vulngate-fixtures/alpine-base:3.19': [
    'CVE-2023-42366 busybox 1.36.1-r15 → 1.36.1-r16 LOW below-threshold',
    'CVE-2024-6119 libcrypto3 3.1.4-r5 → 3.1.7-r0 HIGH blocking',
    'CVE-2024-6119 libssl3 3.1.4-r5 → 3.1.7-r0 HIGH blocking',
  ],
  'vulngate-fixtures/debian-app:1.0': [
    'CVE-2022-3715 bash 5.2.15-2+b8 → 5.2.15-3 LOW below-threshold',
    'CVE-2022-48303 tar 1.34+dfsg-1.2+deb12u1 → 1.34+dfsg-1.2+deb12u2 UNKNOWN below-threshold',
    'CVE-2023-45853 zlib1g 1:1.2.13.dfsg-1 → - CRITICAL unfixed',
    'CVE-2024-2398 curl 7.88.1-10+deb12u14 → 7.88.1-10+deb12u15 MEDIUM below-threshold',
    'CVE-2024-2398 libcurl4 7.88.1-10+deb12u14 → 7.88.1-10+deb12u15 MEDIUM below-threshold',
    'CVE-2025-4802 libc6 2.36-9+deb12u14 → - HIGH unfixed',
    'CVE-2025-9230 libssl3 3.0.19-1~deb12u2 → 3.0.19-1~deb12u3 HIGH blocking',
    'CVE-2025-9230 openssl 3.0.19-1~deb12u2 → 3.0.19-1~deb12u3 HIGH blocking',
  ],
  'vulngate-fixtures/node-app:2.3.1': [
    'CVE-2017-16137 debug 2.6.8 → 2.6.9 LOW below-threshold',
    'CVE-2021-23337 lodash 4.17.20 → 4.17.21 HIGH blocking',
    'CVE-2021-44906 minimist 1.2.5 → 1.2.6 CRITICAL blocking',
    'CVE-2023-28155 request 2.88.2 → - MEDIUM below-threshold',
    'CVE-2023-42366 busybox 1.36.1-r15 → 1.36.1-r16 LOW below-threshold',
    'CVE-2024-6119 libcrypto3 3.1.4-r5 → 3.1.7-r0 HIGH blocking',
    'CVE-2024-6119 libssl3 3.1.4-r5 → 3.1.7-r0 HIGH blocking',
    'aws-access-key-id /usr/src/app/.env  → - CRITICAL blocking',
  ],
};

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-e2e-'));

function scanArgs(images: string, out: string, extra: string[] = []): string[] {
  return [
    'scan',
    '--images',
    images,
    '--cache-dir',
    cache,
    '--offline',
    '--output-dir',
    out,
    '--profiles-dir',
    tmp(),
    ...extra,
  ];
}

// Its own cache: Trivy's layer cache is one file that one process holds at a time, and test files run in parallel.
let cache: string;
beforeAll(() => {
  cache = freshTrivyCache();
});

const env = () => ({ PATH: pathWithTrivy(), HOME: process.env.HOME });

describe('vulngate scan on real image tarballs', () => {
  const images = tmp();
  beforeAll(async () => {
    await writeFixtureImages(images);
  });

  test('exact findings and decisions per image; the clean image passes; exit 1', async () => {
    expect.hasAssertions();
    const out = tmp();
    const run = await cliInProcess(scanArgs(`${images}/*.tar`, out, ['--parallel', '2']), { env: env() });
    expect(run.stderr).toContain('Using Trivy 0.74.0 from PATH');
    expect(run.code).toBe(1);
    const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
    expect(byImage(results)).toEqual(EXPECTED);
    expect(results.images.map((i: { name: string; os: string }) => `${i.name} ${i.os}`)).toEqual([
      'vulngate-fixtures/alpine-base:3.19 alpine 3.19.1',
      'vulngate-fixtures/clean:1.0 alpine 3.19.1',
      'vulngate-fixtures/debian-app:1.0 debian 12.11',
      'vulngate-fixtures/node-app:2.3.1 alpine 3.19.1',
    ]);
    expect(results.tool.trivyVersion).toBe('0.74.0');
    // One raw report per tarball is kept.
    expect(results.images.map((i: { report: string }) => path.basename(i.report))).toEqual([
      '001-alpine-base.json',
      '002-clean.json',
      '003-debian-app.json',
      '004-node-app.json',
    ]);
    // The secret is reported, never its value, in any output.
    for (const file of ['vulngate-results.json', 'vulngate.sarif', 'gl-container-scanning-report.json', 'summary.md']) {
      expect(readFileSync(path.join(out, file), 'utf8')).not.toContain('AKIA');
    }
    // The SARIF of the real-Trivy images passes Microsoft's validator; the GitLab report its schema.
    expect(validateSarif([path.join(out, 'vulngate.sarif')])).toEqual([]);
    const gitlabSchema = JSON.parse(
      readFileSync(path.join(ROOT, 'test/fixtures/schemas/gitlab-container-scanning-report-15.0.7.json'), 'utf8'),
    );
    const validate = new Ajv({ allErrors: true, strict: false }).compile(gitlabSchema);
    const gitlab = JSON.parse(readFileSync(path.join(out, 'gl-container-scanning-report.json'), 'utf8'));
    expect(validate(gitlab)).toBe(true);
    expect(gitlab.vulnerabilities).toHaveLength(results.findings.length);
    expect(
      gitlab.vulnerabilities.find(
        (v: { identifiers: { value: string }[] }) => v.identifiers[0]!.value === 'CVE-2025-9230',
      ).location,
    ).toEqual({
      dependency: { package: { name: 'libssl3' }, version: '3.0.19-1~deb12u2' },
      operating_system: 'debian 12.11',
      image: 'vulngate-fixtures/debian-app:1.0',
    });
  });

  test('a profile that excepts every blocking finding passes: exit 0', async () => {
    const profile = path.join(tmp(), 'app.yml');
    writeFileSync(
      profile,
      `severity: HIGH
exceptions:
  - id: CVE-2025-9230
    note: openssl is not used for RFC 3211 unwrap
  - id: CVE-2024-6119
    images: ["vulngate-fixtures/*"]
    note: no X.509 name checks on untrusted input
  - id: CVE-2021-23337
    package: lodash
    note: templates are never user input
  - id: cve-2021-44906
    package: minimist
    severity: CRITICAL
    note: only parses our own argv
  - id: aws-access-key-id
    note: the key in the fixture image is not real
`,
    );
    const out = tmp();
    const run = await cliInProcess(scanArgs(`${images}/*.tar`, out, ['--profile', profile]), { env: env() });
    expect(run.code).toBe(0);
    const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
    expect(results.verdict).toBe('pass');
    expect(results.findings.filter((f: ResultFinding) => f.decision === 'excepted')).toHaveLength(9);
  });

  test('--timings says where the time went, phase by phase; without it only --verbose shows it', async () => {
    const timed = await cliInProcess(scanArgs(`${images}/*.tar`, tmp(), ['--timings', '--parallel', '2']), {
      env: env(),
    });
    expect(timed.code).toBe(1);
    const table = timed.stderr.slice(timed.stderr.indexOf('Timings:')).trim().split('\n');
    const phases = table.slice(1).map((line) => /^ {2}(\S.*?) +(\d+\.\d{3}) s +(\d+)%$/.exec(line));
    expect(phases.every(Boolean)).toBe(true);
    expect(phases.map((m) => m![1])).toEqual([
      'profile and exploitation feeds',
      'Trivy DB, image manifests',
      'scans (2 at a time)',
      'stopping the local server',
      'reading reports, SBOMs',
      'judging, comparing with the last scan',
      'writing outputs',
      'deliveries',
      'whole run',
    ]);
    // The phases are parts of the whole: together never more than it.
    const seconds = phases.map((m) => Number(m![2]));
    const whole = seconds.pop()!;
    expect(seconds.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(whole + 0.001);
    expect(seconds[2]).toBeGreaterThan(0);

    const plain = await cliInProcess(scanArgs(`${images}/*.tar`, tmp(), ['--parallel', '2']), { env: env() });
    expect(plain.stderr).not.toContain('Timings:');
    const verbose = await cliInProcess(scanArgs(`${images}/*.tar`, tmp(), ['--verbose']), { env: env() });
    expect(verbose.stderr).toMatch(/^debug: {3}scans \(\d at a time\) +\d+\.\d{3} s/m);
  });

  test('a corrupt tarball is an error for that image only: the others are scanned and judged; exit 3', async () => {
    const dir = tmp();
    await writeFixtureImages(dir, ['debian-app', 'clean']);
    writeFileSync(path.join(dir, 'broken.tar'), readFileSync(path.join(images, 'node-app.tar')).subarray(0, 5000));
    writeFileSync(path.join(dir, 'notes.tar'), 'this is not an image\n');
    const out = tmp();
    const run = await cliInProcess(scanArgs(`${dir}/*.tar`, out), { env: env() });
    expect(run.code).toBe(3);
    const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
    expect(results.images.map((i: { name: string }) => i.name)).toEqual([
      'vulngate-fixtures/clean:1.0',
      'vulngate-fixtures/debian-app:1.0',
    ]);
    expect(results.errors.map((e: { image: string; source: string }) => `${e.image} ${e.source}`)).toEqual([
      `broken ${dir}/broken.tar`,
      `notes ${dir}/notes.tar`,
    ]);
    expect(results.errors[0].message).toMatch(
      /^Trivy failed \(exit 1\): .*unable to open .*broken\.tar as a Docker image: unexpected EOF/,
    );
    expect(run.stderr).toMatch(new RegExp(`error: ${dir}/broken.tar: Trivy failed \\(exit 1\\): `));
    expect(results.verdict).toBe('fail');
    expect(run.stdout).toContain('2 images could not be scanned');
  });

  test('docker save from Docker >= 25 (OCI layout in a tar), an OCI layout directory, and an untagged image', async () => {
    const dir = tmp();
    await writeImage(path.join(dir, 'debian-oci.tar'), FIXTURE_IMAGES['debian-app']!, 'oci');
    await writeOciLayoutDir(path.join(dir, 'alpine-layout'), FIXTURE_IMAGES['alpine-base']!);
    await writeImage(path.join(dir, 'untagged-api.tar'), { ...FIXTURE_IMAGES['alpine-base']!, repoTag: undefined });
    const out = tmp();
    const run = await cliInProcess(scanArgs(`${dir}/*`, out), { env: env() });
    expect(run.code).toBe(1);
    const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
    const found = byImage(results);
    expect(found['vulngate-fixtures/debian-app:1.0']).toEqual(EXPECTED['vulngate-fixtures/debian-app:1.0']);
    // A layout directory has no RepoTags for Trivy; its directory name names it, like a tarball's file name.
    expect(found['alpine-layout']).toEqual(EXPECTED['vulngate-fixtures/alpine-base:3.19']);
    expect(found['untagged-api']).toEqual(EXPECTED['vulngate-fixtures/alpine-base:3.19']);
  });

  test('scans as a client of a Trivy server on 127.0.0.1 with a token', async () => {
    const server = await startTrivyServer('s3cret-token');
    try {
      const out = tmp();
      const run = await cliInProcess(scanArgs(`${images}/*.tar`, out, ['--trivy-server', server.url]), {
        env: { ...env(), VULNGATE_TRIVY_SERVER_TOKEN: 's3cret-token' },
      });
      expect(run.stderr).toContain(`Scanning as a client of the Trivy server at ${server.url}`);
      const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
      expect(byImage(results)).toEqual(EXPECTED);
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).not.toContain('s3cret-token');

      const denied = await cliInProcess(scanArgs(`${images}/clean.tar`, tmp(), ['--trivy-server', server.url]), {
        env: { ...env(), VULNGATE_TRIVY_SERVER_TOKEN: 'wrong' },
      });
      expect(denied.code).toBe(3);
      expect(denied.stderr).toMatch(/clean\.tar: Trivy failed \(exit 1\): .*(401|[Uu]nauthorized|invalid token)/);
    } finally {
      server.stop();
    }
  });

  test('a stray trivy.yaml, .trivyignore or TRIVY_* variable does not change results', async () => {
    const cwd = tmp();
    writeFileSync(path.join(cwd, 'trivy.yaml'), 'severity:\n  - CRITICAL\n');
    writeFileSync(path.join(cwd, '.trivyignore'), 'CVE-2025-9230\n');
    const out = tmp();
    const previous = process.cwd();
    process.chdir(cwd);
    try {
      const run = await cliInProcess(scanArgs(`${images}/debian-app.tar`, out), {
        env: {
          ...env(),
          TRIVY_SEVERITY: 'CRITICAL',
          TRIVY_IGNOREFILE: path.join(cwd, '.trivyignore'),
          TRIVY_SCANNERS: 'secret',
        },
      });
      expect(run.code).toBe(1);
    } finally {
      process.chdir(previous);
    }
    const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
    expect(byImage(results)['vulngate-fixtures/debian-app:1.0']).toEqual(EXPECTED['vulngate-fixtures/debian-app:1.0']);
  });

  test('--offline without a DB is a clear scanner error', async () => {
    const run = await cliInProcess(
      ['scan', '--images', `${images}/clean.tar`, '--cache-dir', tmp(), '--offline', '--output-dir', tmp()],
      { env: env() },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^vulngate: offline scan: no vulnerability DB at .*\/db\/trivy\.db \(run once online, or restore the cache\)$/m,
    );
  });
});
