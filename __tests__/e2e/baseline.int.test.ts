// The last scan remembered: two nights of the real Trivy on the same tarball with the fixture DB changed in between,
// and `baseline: auto` against local GitHub and GitLab artifact APIs.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { baselineLoader } from '../../src/baseline/resolve.js';
import { readCiContext } from '../../src/config/ci-context.js';
import { auditArtifactName } from '../../src/core/job-identity.js';
import { startGitHubArtifacts, startGitLabArtifacts } from '../../test/support/artifact-sources.ts';
import { cliInProcess, summaryOf } from '../../test/support/cli.ts';
import { fixtureDbWith } from '../../test/support/fixture-db.ts';
import { writeFixtureImages } from '../../test/support/fixture-images.ts';
import { recordingLogger } from '../../test/support/logger.ts';
import { fastRetry } from '../../test/support/retry.ts';
import { freshTrivyCache, pathWithTrivy } from '../../test/support/trivy.ts';

interface Finding {
  id: string;
  package: string;
  severity: string;
  decision: string;
  change?: string;
  previous?: { severity: string; decision: string };
}
interface Results {
  verdict: string;
  findings: Finding[];
  gone: Finding[];
  baseline: { source: string; ref: string } | null;
}

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-base-'));
const env = () => ({ PATH: pathWithTrivy(), HOME: process.env.HOME });
const read = (out: string) => JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8')) as Results;

/** The next night's DB: one advisory added (zlib), one raised from LOW to CRITICAL (bash), one fixed (tar). */
function nextNightDb(): string {
  return fixtureDbWith([
    {
      file: 'debian.yaml',
      from: '    - bucket: zlib\n      pairs:\n',
      to: '    - bucket: zlib\n      pairs:\n        - key: CVE-2026-10001\n          value:\n            FixedVersion: 1:1.2.13.dfsg-1+deb12u1\n',
    },
    {
      file: 'vulnerability.yaml',
      from: '    - key: CVE-2022-3715\n',
      to:
        '    - key: CVE-2026-10001\n      value:\n        Title: "zlib: test advisory published overnight"\n' +
        '        Severity: HIGH\n        VendorSeverity: { debian: 3 }\n    - key: CVE-2022-3715\n',
    },
    {
      file: 'vulnerability.yaml',
      from: '        Severity: LOW\n        VendorSeverity: { debian: 1, nvd: 3 }',
      to: '        Severity: CRITICAL\n        VendorSeverity: { debian: 4, nvd: 4 }',
    },
    { file: 'debian.yaml', from: 'FixedVersion: 1.34+dfsg-1.2+deb12u2', to: 'FixedVersion: 1.34+dfsg-1.2+deb12u1' },
  ]);
}

let images: string;
let firstNight: string;
beforeAll(async () => {
  images = tmp();
  await writeFixtureImages(images, ['debian-app']);
  firstNight = tmp();
  const first = await scan(freshTrivyCache(), firstNight);
  expect(first.code).toBe(1);
});

function scan(cache: string, out: string, extra: string[] = [], extraEnv: NodeJS.ProcessEnv = {}) {
  return cliInProcess(
    [
      'scan',
      '--images',
      path.join(images, 'debian-app.tar'),
      '--cache-dir',
      cache,
      '--offline',
      '--layer-cache',
      'false',
      '--output-dir',
      out,
      '--profiles-dir',
      tmp(),
      ...extra,
    ],
    { env: { ...env(), ...extraEnv } },
  );
}

describe('two nights of the real Trivy on the same tarball', () => {
  let tonight: string;
  beforeAll(() => {
    tonight = nextNightDb();
  });

  test('exactly one new, one changed and one gone; the summary says what appeared overnight', async () => {
    const out = tmp();
    const run = await scan(tonight, out, ['--baseline', path.join(firstNight, 'vulngate-results.json')]);
    expect(run.code).toBe(1);
    const results = read(out);
    const changed = results.findings.filter((f) => f.change !== 'unchanged');
    expect(changed.map((f) => `${f.change} ${f.id} ${f.package} ${f.severity} ${f.decision}`).sort()).toEqual([
      'changed CVE-2022-3715 bash CRITICAL blocking',
      'new CVE-2026-10001 zlib1g HIGH blocking',
    ]);
    expect(changed.find((f) => f.change === 'changed')?.previous).toEqual({
      severity: 'LOW',
      fixedVersion: '5.2.15-3',
      decision: 'below-threshold',
    });
    expect(results.gone.map((f) => `${f.id} ${f.package}`)).toEqual(['CVE-2022-48303 tar']);
    expect(results.findings.filter((f) => f.change === 'unchanged')).toHaveLength(6);
    expect(run.stderr).toMatch(/Baseline: .*vulngate-results\.json \(\d{4}-\d{2}-\d{2}\), 8 finding\(s\)/);
    expect(summaryOf(run)).toContain('### New since the baseline (');
    expect(summaryOf(run)).toContain('### Gone since the baseline (');
  });

  test('fail-on new passes when every blocking finding was already there, and fails when the night adds one', async () => {
    const baseline = ['--baseline', path.join(firstNight, 'vulngate-results.json'), '--fail-on', 'new'];
    const same = await scan(freshTrivyCache(), tmp(), baseline);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain(
      'PASS — no new blocking findings in 1 image (2 blocking findings already in the baseline)',
    );
    const added = await scan(tonight, tmp(), baseline);
    expect(added.code).toBe(1);
    expect(added.stdout).toContain('FAIL — 2 new blocking findings in 1 of 1 image (2 blocking findings already');
  });

  test('a baseline that cannot be read, is of another version or of other images: one warning, counted as none', async () => {
    expect.hasAssertions();
    const other = tmp();
    const text = readFileSync(path.join(firstNight, 'vulngate-results.json'), 'utf8');
    const cases: [string, string, RegExp][] = [
      ['missing.json', '', /No baseline \(cannot read .*missing\.json: ENOENT\): every finding counts as new/],
      [
        'old.json',
        text.replace('"schemaVersion": 3', '"schemaVersion": 1'),
        /Baseline not used: .*old\.json is of schemaVersion 1/,
      ],
      [
        'other.json',
        text.replaceAll('vulngate-fixtures/debian-app', 'acme/billing'),
        /Baseline not used: .*other\.json is a record of other targets \(acme\/billing\)/,
      ],
    ];
    for (const [name, content, message] of cases) {
      const file = path.join(other, name);
      if (content) writeFileSync(file, content);
      const out = tmp();
      const run = await scan(freshTrivyCache(), out, ['--baseline', file, '--fail-on', 'new']);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.split('\n').filter((l) => /baseline/i.test(l))).toHaveLength(1);
      // No baseline: everything is new, so fail-on new fails as fail-on all would.
      expect(run.code).toBe(1);
      expect(read(out).baseline).toBeNull();
    }
  });
});

describe('baseline: auto', () => {
  test('GitHub: the newest unexpired artifact of this job on the default branch, across pages; the token stays with GitHub', async () => {
    const record = readFileSync(path.join(firstNight, 'vulngate-results.json'), 'utf8');
    const run = { workflow: 'image-scan', job: 'scan' };
    const name = auditArtifactName({ name: '', run, targets: ['vulngate-fixtures/debian-app'] });
    const day = (d: number) => `2026-11-${String(d).padStart(2, '0')}T06:00:00Z`;
    const noise = Array.from({ length: 110 }, (_, i) => ({
      id: 100 + i,
      name,
      branch: `feature/${i}`,
      runId: 100 + i,
      createdAt: day(29),
      files: { 'vulngate-results.json': '{}' },
    }));
    const github = await startGitHubArtifacts({
      owner: 'acme',
      repo: 'shop',
      token: 'ghs_job_token_1234',
      artifacts: [
        ...noise,
        // Newer, but expired, or this very run: neither is the baseline.
        { id: 7, name, branch: 'main', runId: 7, createdAt: day(30), expired: true, files: {} },
        { id: 900, name, branch: 'main', runId: 900, createdAt: day(30), files: {} },
        { id: 5, name, branch: 'main', runId: 5, createdAt: day(20), files: { 'vulngate-results.json': record } },
        {
          id: 6,
          name,
          branch: 'main',
          runId: 6,
          createdAt: day(28),
          files: { 'vulngate-results.json': record, 'summary.md': '#' },
        },
      ],
    });
    try {
      const logger = recordingLogger();
      const said = () => logger.lines.map((l) => l.message).join('\n');
      const load = baselineLoader({
        baseline: 'auto',
        outputDir: 'out',
        ci: readCiContext({
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_RUN_ID: '900',
          GITHUB_API_URL: github.url,
          GITHUB_WORKFLOW: run.workflow,
          GITHUB_JOB: run.job,
          GITHUB_REF_NAME: 'feature/x',
          VULNGATE_DEFAULT_BRANCH: 'main',
        }),
        env: {},
        github: { token: 'ghs_job_token_1234', artifactName: '' },
        logger,
        retry: fastRetry(2, 1),
      });
      const baseline = await load(['vulngate-fixtures/debian-app']);
      if (!baseline) throw new Error(said());
      expect(baseline?.source).toBe(`artifact '${name}' of run 6 (main)`);
      expect(baseline?.findings).toHaveLength(8);
      expect(said()).toContain(`Baseline: artifact '${name}' of run 6 (main)`);
      const listed = github.requests.filter((r) => r.path.includes('/actions/artifacts?'));
      expect(listed.map((r) => new URL(r.path, github.url).searchParams.get('page'))).toEqual(['1', '2']);
      const blob = github.requests.find((r) => r.path.startsWith('/blob/'));
      expect(blob).toEqual({ path: '/blob/6.zip', authorization: undefined, status: 200 });

      // A bad token: a notice, never a failure.
      const denied = baselineLoader({
        baseline: 'auto',
        outputDir: 'out',
        ci: readCiContext({
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_API_URL: github.url,
          VULNGATE_DEFAULT_BRANCH: 'main',
        }),
        env: {},
        github: { token: 'wrong', artifactName: name },
        logger,
        retry: fastRetry(2, 1),
      });
      expect(await denied(['vulngate-fixtures/debian-app'])).toBeUndefined();
      expect(said()).toMatch(/No baseline \(the lookup failed: GitHub answered 401 listing artifacts\)/);
    } finally {
      await github.close();
    }
  });

  test('GitLab: the last successful pipeline of the default branch through the job-artifacts API; 404 is none', async () => {
    const record = readFileSync(path.join(firstNight, 'vulngate-results.json'), 'utf8');
    const gitlab = await startGitLabArtifacts({
      projectId: '42',
      jobToken: 'glcbt-job-token',
      files: { 'main vulngate vulngate-out/vulngate-results.json': record },
    });
    const workspace = tmp();
    const previous = process.cwd();
    process.chdir(workspace);
    try {
      const gitlabEnv = (job: string) => ({
        GITLAB_CI: 'true',
        CI_PROJECT_PATH: 'acme/shop',
        CI_API_V4_URL: gitlab.url,
        CI_PROJECT_ID: '42',
        CI_JOB_TOKEN: 'glcbt-job-token',
        CI_JOB_NAME: job,
        CI_DEFAULT_BRANCH: 'main',
        CI_COMMIT_REF_NAME: 'feature/x',
      });
      const found = await scan(
        freshTrivyCache(),
        'vulngate-out',
        ['--baseline', 'auto', '--fail-on', 'new'],
        gitlabEnv('vulngate'),
      );
      expect(found.stderr).toContain("Baseline: job 'vulngate' of the last successful pipeline on main");
      expect(found.code).toBe(0);
      expect(read('vulngate-out').findings.every((f) => f.change === 'unchanged')).toBe(true);
      expect(gitlab.requests[0]).toMatchObject({
        path: '/api/v4/projects/42/jobs/artifacts/main/raw/vulngate-out/vulngate-results.json?job=vulngate',
        status: 200,
      });

      const none = await scan(freshTrivyCache(), 'vulngate-out', ['--baseline', 'auto'], gitlabEnv('other-job'));
      expect(none.stderr).toContain(
        "No baseline (no vulngate-out/vulngate-results.json in the artifacts of job 'other-job' of the last " +
          'successful pipeline on main): every finding counts as new',
      );
      expect(none.code).toBe(1);
      expect(none.stdout + none.stderr).not.toContain('glcbt-job-token');
    } finally {
      process.chdir(previous);
      await gitlab.close();
    }
  });
});
