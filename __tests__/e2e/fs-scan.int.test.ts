// Code dependencies (trivy fs) and SBOMs (trivy sbom) on the real Trivy with the fixture DB, fully offline.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { writeFixtureImages } from '../../test/support/fixture-images.ts';
import { cliInProcess, summaryOf } from '../../test/support/cli.ts';
import { freshTrivyCache, pathWithTrivy, realTrivy } from '../../test/support/trivy.ts';
import { validateSarif } from '../../test/support/sarif-validator.ts';
import { ROOT } from '../../test/support/paths.ts';

interface ResultFinding {
  image: string;
  targetKind: string;
  target: string;
  id: string;
  package: string;
  installedVersion: string;
  fixedVersion: string;
  severity: string;
  decision: string;
  startLine?: number;
}
interface Results {
  verdict: string;
  images: { name: string; kind: string; report: string }[];
  errors: { image: string; kind: string; source: string; message: string }[];
  findings: ResultFinding[];
  exceptions: { unused: { id: string; why?: string }[] };
}

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-fs-'));
const env = () => ({ PATH: pathWithTrivy(), HOME: process.env.HOME });
const readJson = <T = Results>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;
const row = (f: ResultFinding) =>
  `${f.target} ${f.id} ${f.package} ${f.installedVersion} → ${f.fixedVersion || '-'} ${f.severity} ${f.decision}`;

/**
 * A workspace (the repository root the CLI runs in) holding a copy of the fixture code: directories are named
 * relative to it, as on a runner's checkout.
 */
function workspace(): string {
  const dir = tmp();
  cpSync(path.join(ROOT, 'test/fixtures/code'), dir, { recursive: true });
  return dir;
}

async function inWorkspace<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const previous = process.cwd();
  process.chdir(dir);
  try {
    return await body();
  } finally {
    process.chdir(previous);
  }
}

let cache: string;
beforeAll(() => {
  cache = freshTrivyCache();
});

function scan(args: string[], out: string, profile?: string) {
  const profileArgs = profile ? ['--profile', profile] : ['--profiles-dir', tmp()];
  return cliInProcess(['scan', ...args, '--cache-dir', cache, '--offline', '--output-dir', out, ...profileArgs], {
    env: env(),
  });
}

/** Exact findings of every ecosystem's lockfile under the default profile (HIGH, ignore unfixed). */
const POLYGLOT = [
  'go/go.mod CVE-2022-32149 golang.org/x/text v0.3.7 → 0.3.8 HIGH blocking',
  'java/pom.xml CVE-2020-36518 com.fasterxml.jackson.core:jackson-databind 2.12.1 → 2.12.6.1 HIGH blocking',
  'java/pom.xml CVE-2021-44228 org.apache.logging.log4j:log4j-core 2.14.1 → 2.15.0 CRITICAL blocking',
  'npm/package-lock.json CVE-2021-23337 lodash 4.17.20 → 4.17.21 HIGH blocking',
  'npm/package-lock.json CVE-2021-44906 minimist 1.2.5 → 1.2.6 CRITICAL blocking',
  'php/composer.lock CVE-2022-29248 guzzlehttp/guzzle 7.4.0 → 7.4.3 HIGH blocking',
  'pnpm/pnpm-lock.yaml CVE-2017-16137 debug 2.6.8 → 2.6.9 LOW below-threshold',
  'pnpm/pnpm-lock.yaml CVE-2021-23337 lodash 4.17.20 → 4.17.21 HIGH blocking',
  'poetry/poetry.lock CVE-2020-14343 pyyaml 5.3 → 5.4 CRITICAL blocking',
  'poetry/poetry.lock CVE-2024-22195 jinja2 2.11.2 → 3.1.3 MEDIUM below-threshold',
  'python/requirements.txt CVE-2023-31047 django 3.2.0 → 3.2.19 CRITICAL blocking',
  'python/requirements.txt CVE-2023-32681 requests 2.25.0 → 2.31.0 MEDIUM below-threshold',
  'ruby/Gemfile.lock CVE-2022-30123 rack 2.2.3 → 2.2.3.1 CRITICAL blocking',
  'rust/Cargo.lock CVE-2021-25900 smallvec 1.6.0 → 1.6.1 CRITICAL blocking',
  'yarn/yarn.lock CVE-2021-23337 lodash 4.17.20 → 4.17.21 HIGH blocking',
  'yarn/yarn.lock CVE-2023-28155 request 2.88.2 → - MEDIUM below-threshold',
];

describe('vulngate scan --fs on real lockfiles', () => {
  test('every ecosystem: exact findings and decisions, lockfile targets, SARIF in the file, GitLab reports', async () => {
    const ws = workspace();
    const out = tmp();
    const run = await inWorkspace(ws, () => scan(['--fs', 'polyglot'], out));
    expect(run.code).toBe(1);
    // Only --fs: no images are looked for (tar_images/ does not exist here, and that is no error).
    expect(run.stderr).toContain('Scanning 1 directory of code');
    expect(run.stderr).not.toContain('tar_images');
    const results = readJson(path.join(out, 'vulngate-results.json'));
    expect(results.images.map((i) => `${i.kind} ${i.name}`)).toEqual(['fs polyglot']);
    // The directory's SBOM, converted from the same report.
    expect(existsSync(path.join(out, 'sbom', '001-fs-polyglot.cdx.json'))).toBe(true);
    expect(results.findings.map(row).sort()).toEqual(POLYGLOT);
    expect(new Set(results.findings.map((f) => `${f.image} ${f.targetKind}`))).toEqual(new Set(['polyglot fs']));
    expect(run.stdout).toContain('12 blocking findings in 1 of 1 directory');
    expect(summaryOf(run)).toContain('### Blocking findings in code dependencies (12)');

    // SARIF: one run for the directory, located in each lockfile at the package's line where Trivy gives one.
    const sarif = readJson<{ runs: { automationDetails: { id: string }; results: SarifResult[] }[] }>(
      path.join(out, 'vulngate.sarif'),
    );
    expect(sarif.runs.map((r) => r.automationDetails.id)).toEqual(['vulngate/fs/polyglot/']);
    const located = (id: string, pkg: string) => {
      const result = sarif.runs[0]!.results.find((r) => r.ruleId === id && r.properties.package === pkg);
      const physical = result?.locations[0]?.physicalLocation;
      return `${physical?.artifactLocation.uri}:${physical?.region.startLine}`;
    };
    // The lines of these packages in the committed lockfiles.
    const lineOf = (file: string, text: string) =>
      readFileSync(path.join(ws, file), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes(text)) + 1;
    expect(located('CVE-2021-44906', 'minimist')).toBe(
      `polyglot/npm/package-lock.json:${lineOf('polyglot/npm/package-lock.json', '"node_modules/minimist"')}`,
    );
    expect(located('CVE-2021-25900', 'smallvec')).toBe(
      `polyglot/rust/Cargo.lock:${lineOf('polyglot/rust/Cargo.lock', 'name = "smallvec"') - 1}`,
    );
    expect(located('CVE-2023-31047', 'django')).toBe('polyglot/python/requirements.txt:2');
    expect(located('CVE-2022-30123', 'rack')).toBe(
      `polyglot/ruby/Gemfile.lock:${lineOf('polyglot/ruby/Gemfile.lock', 'rack (2.2.3)')}`,
    );
    expect(validateSarif([path.join(out, 'vulngate.sarif')])).toEqual([]);

    // GitLab: the code in the dependency-scanning report (valid against GitLab's schema), none in the container one.
    const dependencies = readJson<GitlabReport>(path.join(out, 'gl-dependency-scanning-report.json'));
    expect(gitlabSchema('dependency')(dependencies)).toBe(true);
    expect(dependencies.scan.type).toBe('dependency_scanning');
    expect(dependencies.vulnerabilities).toHaveLength(POLYGLOT.length);
    const django = dependencies.vulnerabilities.find((v) => v.identifiers[0]?.value === 'CVE-2023-31047');
    expect(django?.location).toEqual({
      file: 'polyglot/python/requirements.txt',
      dependency: { package: { name: 'django' }, version: '3.2.0' },
    });
    expect(dependencies.dependency_files.map((d) => `${d.path} ${d.package_manager}`).sort()).toEqual([
      'polyglot/go/go.mod go',
      'polyglot/java/pom.xml maven',
      'polyglot/npm/package-lock.json npm',
      'polyglot/php/composer.lock composer',
      'polyglot/pnpm/pnpm-lock.yaml pnpm',
      'polyglot/poetry/poetry.lock poetry',
      'polyglot/python/requirements.txt pip',
      'polyglot/ruby/Gemfile.lock bundler',
      'polyglot/rust/Cargo.lock cargo',
      'polyglot/yarn/yarn.lock yarn',
    ]);
    const container = readJson<GitlabReport>(path.join(out, 'gl-container-scanning-report.json'));
    expect(gitlabSchema('container')(container)).toBe(true);
    expect(container.vulnerabilities).toEqual([]);
  });

  test('a monorepo: two services, a `paths:` exception for one of them (from the repository root, whichever roots are scanned), one SARIF run per scanned root', async () => {
    const ws = workspace();
    const profile = path.join(tmp(), 'shop.yml');
    writeFileSync(
      profile,
      `exceptions:
  - id: CVE-2021-23337
    package: lodash
    paths: ["monorepo/services/worker/**"]
    note: the worker never renders templates
  - id: CVE-2021-44906
    paths: ["monorepo/services/billing/**"]
    note: matches nothing here
`,
    );
    const out = tmp();
    const run = await inWorkspace(ws, () => scan(['--fs', 'monorepo'], out, profile));
    expect(run.code).toBe(1);
    const results = readJson(path.join(out, 'vulngate-results.json'));
    expect(results.findings.map(row).sort()).toEqual([
      'services/api/package-lock.json CVE-2021-23337 lodash 4.17.20 → 4.17.21 HIGH blocking',
      'services/api/package-lock.json CVE-2021-44906 minimist 1.2.5 → 1.2.6 CRITICAL blocking',
      'services/worker/package-lock.json CVE-2021-23337 lodash 4.17.20 → 4.17.21 HIGH excepted',
    ]);

    // The unused one says why: its id matched, its paths did not (with the path they are matched against).
    expect(results.exceptions.unused).toEqual([
      expect.objectContaining({
        id: 'CVE-2021-44906',
        why:
          'the id matched 1 finding; `paths` monorepo/services/billing/** did not (matched from the repository root: ' +
          'monorepo/services/api/package-lock.json)',
      }),
    ]);

    // Each service as its own root (the README's monorepo advice): the same exception still applies, since paths
    // are matched from the repository root; targets are relative to each root, and each root is its own SARIF run.
    const perService = tmp();
    const roots = ['monorepo/services/api', 'monorepo/services/worker'];
    const split = await inWorkspace(ws, () => scan(['--fs', ...roots], perService, profile));
    expect(split.code).toBe(1);
    const splitResults = readJson(path.join(perService, 'vulngate-results.json'));
    expect(splitResults.images.map((i) => `${i.kind} ${i.name} ${path.basename(i.report)}`)).toEqual([
      'fs monorepo/services/api 001-fs-monorepo_services_api.json',
      'fs monorepo/services/worker 002-fs-monorepo_services_worker.json',
    ]);
    expect(splitResults.findings.map((f) => `${f.image}: ${row(f)}`).sort()).toEqual([
      'monorepo/services/api: package-lock.json CVE-2021-23337 lodash 4.17.20 → 4.17.21 HIGH blocking',
      'monorepo/services/api: package-lock.json CVE-2021-44906 minimist 1.2.5 → 1.2.6 CRITICAL blocking',
      'monorepo/services/worker: package-lock.json CVE-2021-23337 lodash 4.17.20 → 4.17.21 HIGH excepted',
    ]);
    const sarif = readJson<{ runs: { automationDetails: { id: string }; results: SarifResult[] }[] }>(
      path.join(perService, 'vulngate.sarif'),
    );
    expect(sarif.runs.map((r) => r.automationDetails.id)).toEqual([
      'vulngate/fs/monorepo/services/api/',
      'vulngate/fs/monorepo/services/worker/',
    ]);
    expect(sarif.runs[1]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      'monorepo/services/worker/package-lock.json',
    );
  });

  test('an SBOM made by trivy from a fixture image gives the image scan’s OS findings', async () => {
    const images = tmp();
    await writeFixtureImages(images, ['debian-app']);
    const sbom = makeSbom(path.join(images, 'debian-app.tar'));
    const fromImage = tmp();
    expect((await scan(['--images', path.join(images, 'debian-app.tar')], fromImage)).code).toBe(1);
    const out = tmp();
    const run = await scan(['--sbom', sbom], out);
    expect(run.code).toBe(1);
    const results = readJson(path.join(out, 'vulngate-results.json'));
    expect(results.images.map((i) => i.kind)).toEqual(['sbom']);
    const osRows = (r: Results) => r.findings.map((f) => `${f.id} ${f.package} ${f.severity} ${f.decision}`).sort();
    expect(osRows(results)).toEqual(osRows(readJson(path.join(fromImage, 'vulngate-results.json'))));
    expect(results.findings.every((f) => f.targetKind === 'sbom')).toBe(true);
    const dependencies = readJson<GitlabReport>(path.join(out, 'gl-dependency-scanning-report.json'));
    expect(gitlabSchema('dependency')(dependencies)).toBe(true);
    expect(dependencies.vulnerabilities.length).toBe(results.findings.length);
  });

  test('images, code and an SBOM in one run share the pool and the local server; evaluate reads fs reports', async () => {
    const ws = workspace();
    const images = path.join(ws, 'tar_images');
    mkdirSync(images);
    await writeFixtureImages(images, ['alpine-base', 'clean']);
    const sbom = makeSbom(path.join(images, 'alpine-base.tar'));
    cpSync(sbom, path.join(ws, 'alpine-base.cdx.json'));
    const out = tmp();
    const run = await inWorkspace(ws, () =>
      scan(['--images', 'tar_images/*.tar', '--fs', 'monorepo', '--sbom', 'alpine-base.cdx.json'], out),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Scanning 2 image tarball(s), 1 directory of code, 1 SBOM(s)');
    const results = readJson(path.join(out, 'vulngate-results.json'));
    expect(results.images.map((i) => `${i.kind} ${i.name}`)).toEqual([
      'image vulngate-fixtures/alpine-base:3.19',
      'image vulngate-fixtures/clean:1.0',
      'fs monorepo',
      'sbom alpine-base.cdx.json',
    ]);
    // The SBOM of the alpine image: the image's own findings again, as an SBOM's.
    const rowsOf = (name: string) =>
      results.findings
        .filter((f) => f.image === name)
        .map((f) => `${f.id} ${f.package} ${f.decision}`)
        .sort();
    expect(rowsOf('alpine-base.cdx.json')).toEqual(rowsOf('vulngate-fixtures/alpine-base:3.19'));
    expect(results.findings.filter((f) => f.targetKind === 'fs')).toHaveLength(3);
    expect(run.stdout).toContain('FAIL — 7 blocking findings in 3 of 4 targets (2 images, 1 directory, 1 SBOM)');
    expect(summaryOf(run)).toContain('### Blocking findings in images (2)');
    expect(summaryOf(run)).toContain('### Blocking findings in SBOMs (2)');
    expect(summaryOf(run)).toContain('### Blocking findings in code dependencies (3)');

    // The raw fs report judged again with evaluate: same findings, named relative to the workspace.
    // The record names the report from the output directory.
    const fsReport = path.join(out, results.images.find((i) => i.kind === 'fs')!.report);
    const again = tmp();
    const evaluated = await inWorkspace(ws, () =>
      cliInProcess(['evaluate', '--report', fsReport, '--output-dir', again, '--profiles-dir', tmp()], { env: env() }),
    );
    expect(evaluated.code).toBe(1);
    const judged = readJson(path.join(again, 'vulngate-results.json'));
    expect(judged.images.map((i) => `${i.kind} ${i.name}`)).toEqual(['fs monorepo']);
    expect(judged.findings.map(row).sort()).toEqual(
      results.findings
        .filter((f) => f.targetKind === 'fs')
        .map(row)
        .sort(),
    );
  });
});

describe('bad code targets', () => {
  test('a directory that does not exist, or a file, is exit 2 naming it before anything is scanned', async () => {
    expect.hasAssertions();
    const ws = workspace();
    for (const [args, message] of [
      [['--fs', 'polyglot', '--fs', 'no-such-dir'], /^vulngate: fs: 'no-such-dir' does not exist \(ENOENT\)/m],
      [['--fs', 'polyglot/go/go.mod'], /^vulngate: fs: 'polyglot\/go\/go.mod' is not a directory/m],
      [['--sbom', 'missing.cdx.json'], /^vulngate: sbom: 'missing.cdx.json' does not exist/m],
    ] as const) {
      const out = tmp();
      const run = await inWorkspace(ws, () => scan([...args], out));
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(
        run.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('vulngate:')),
      ).toHaveLength(1);
      expect(run.stderr).not.toContain('Scanned');
      expect(existsSync(path.join(out, 'reports')) ? readdirSync(path.join(out, 'reports')) : []).toEqual([]);
    }
  });

  test('a lockfile Trivy cannot parse fails its root (exit 3); the other root is still scanned and judged', async () => {
    const ws = workspace();
    mkdirSync(path.join(ws, 'broken'));
    writeFileSync(path.join(ws, 'broken/package-lock.json'), '{"lockfileVersion": 3, "packages": {');
    mkdirSync(path.join(ws, 'broken-gems'));
    writeFileSync(path.join(ws, 'broken-gems/composer.lock'), '{"packages": [{"name": 1}');
    const out = tmp();
    const run = await inWorkspace(ws, () =>
      scan(['--fs', 'broken', '--fs', 'monorepo/services/api', '--fs', 'broken-gems'], out),
    );
    expect(run.code).toBe(3);
    const results = readJson(path.join(out, 'vulngate-results.json'));
    expect(results.images.map((i) => i.name)).toEqual(['monorepo/services/api']);
    expect(results.findings).toHaveLength(2);
    expect(results.errors.map((e) => `${e.kind} ${e.image}`)).toEqual(['fs broken', 'fs broken-gems']);
    expect(results.errors[0]!.message).toMatch(
      /^Trivy could not parse a file, so its findings would be missing: package-lock\.json: .*parse/,
    );
    expect(results.errors[1]!.message).toMatch(/composer\.lock/);
    expect(run.stdout).toContain('2 targets could not be scanned');
  });

  test('a huge tree stays within scan-timeout: that root is an error, the others are judged', async () => {
    const ws = workspace();
    // 40,000 files of text to search for secrets: far more than Trivy gets through in a second on 2 cores.
    const big = path.join(ws, 'huge');
    const line = 'export const value = "not a secret, only text to read";\n'.repeat(40);
    for (let d = 0; d < 200; d += 1) {
      mkdirSync(path.join(big, `pkg${d}`), { recursive: true });
      for (let f = 0; f < 200; f += 1) writeFileSync(path.join(big, `pkg${d}`, `f${f}.js`), line);
    }
    const out = tmp();
    const started = Date.now();
    const run = await inWorkspace(ws, () =>
      scan(['--fs', 'huge', '--fs', 'monorepo/services/api', '--scan-timeout', '1', '--parallel', '1'], out),
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(run.code).toBe(3);
    const results = readJson(path.join(out, 'vulngate-results.json'));
    expect(results.errors.map((e) => `${e.image}: ${e.message}`)).toEqual([
      'huge: Trivy did not finish within 1 s (scan-timeout)',
    ]);
    expect(results.images.map((i) => i.name)).toEqual(['monorepo/services/api']);
  }, 120_000);
});

interface SarifResult {
  ruleId: string;
  properties: { package: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
}

interface GitlabReport {
  scan: { type: string };
  vulnerabilities: { identifiers: { value: string }[]; location: Record<string, unknown> }[];
  dependency_files: { path: string; package_manager: string }[];
}

function gitlabSchema(kind: 'container' | 'dependency') {
  const schema = readJson<object>(path.join(ROOT, `test/fixtures/schemas/gitlab-${kind}-scanning-report-15.0.7.json`));
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

/** A CycloneDX SBOM of an image tarball, made by the real Trivy as a build would. */
function makeSbom(tarball: string): string {
  const sbom = path.join(tmp(), `${path.basename(tarball, '.tar')}.cdx.json`);
  const made = spawnSync(
    realTrivy().bin,
    [
      'image',
      '--input',
      tarball,
      '--format',
      'cyclonedx',
      '--output',
      sbom,
      '--cache-dir',
      realTrivy().cache,
      '--skip-db-update',
      '--offline-scan',
      '--cache-backend',
      'memory',
    ],
    { encoding: 'utf8', cwd: tmp() },
  );
  if (made.status !== 0) throw new Error(`trivy --format cyclonedx failed: ${made.stderr}`);
  return sbom;
}
