// What a fork writes cannot become the baseline (issue 23, class 3), through the bundled action as a runner starts
// it: `baseline: auto` against a local Actions artifacts API whose listing holds forks' runs, pull_request_target
// runs, bombs and a hostile host — and every failure is one notice, every finding new, the outputs still written.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runDistAction, type ActionRun } from '../../test/support/action.ts';
import { startGitHubArtifacts, type StoredArtifact } from '../../test/support/artifact-sources.ts';
import { cliInProcess } from '../../test/support/cli.ts';
import { credentialsSeen, startElsewhere } from '../../test/support/elsewhere.ts';
import { reportPath } from '../../test/support/paths.ts';
import { bombZip, manyEntriesZip } from '../../test/support/zip-bomb.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-trust-base-'));
const TOKEN = 'ghs_job_token_5678efgh_1234';
const NAME = 'vulngate-audit';
const day = (d: number) => `2026-11-${String(d).padStart(2, '0')}T06:00:00Z`;

interface Results {
  verdict: string;
  baseline: { source: string } | null;
  findings: { change?: string; decision: string }[];
}

/** This run's own record: every finding of alpine-39 in it, so `fail-on: new` would pass with it as the baseline. */
let everything: string;
/** A record of the same image without findings: with it as the baseline, every blocking finding is new. */
let nothing: string;
beforeAll(async () => {
  const out = tmp();
  const run = await cliInProcess(['evaluate', '--report', reportPath('alpine-39'), '-o', out, '--profiles-dir', tmp()]);
  expect(run.code).toBe(1);
  everything = readFileSync(path.join(out, 'vulngate-results.json'), 'utf8');
  nothing = JSON.stringify({ ...(JSON.parse(everything) as object), findings: [] });
});

function artifact(runId: number, created: number, extra: Partial<StoredArtifact> = {}): StoredArtifact {
  return {
    id: runId,
    name: NAME,
    branch: 'main',
    runId,
    createdAt: day(created),
    files: { 'vulngate-results.json': everything },
    ...extra,
  };
}

async function gate(apiUrl: string, env: NodeJS.ProcessEnv = {}): Promise<{ run: ActionRun; out: string }> {
  const out = tmp();
  const run = await runDistAction(
    {
      reports: reportPath('alpine-39'),
      'output-dir': out,
      'profiles-dir': tmp(),
      baseline: 'auto',
      'fail-on': 'new',
      'github-token': TOKEN,
      'artifact-name': NAME,
      'upload-sarif': 'false',
      'upload-artifact': 'false',
      'comment-on-pr': 'false',
    },
    {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_REPOSITORY_ID: '1000',
      GITHUB_API_URL: apiUrl,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '900',
      GITHUB_REF_NAME: 'feature/x',
      GITHUB_EVENT_NAME: 'pull_request',
      VULNGATE_DEFAULT_BRANCH: 'main',
      ...env,
    },
  );
  return { run, out };
}

const results = (out: string) => JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8')) as Results;
const baselineLines = (run: ActionRun) => run.stdout.split('\n').filter((l) => /baseline/i.test(l));

/** What a baseline that cannot be used looks like to the user: one notice, a failing check, every output written. */
function expectNoBaseline(run: ActionRun, out: string, said: RegExp): void {
  expect(baselineLines(run)).toEqual([expect.stringMatching(said)]);
  expect(run.stdout).not.toMatch(/^\s+at /m);
  expect(run.code).toBe(1);
  expect(run.outputs.verdict).toBe('fail');
  expect(results(out).baseline).toBeNull();
  // Without a baseline a finding carries no `change`: every one counts as new.
  expect(results(out).findings.every((f) => f.change === undefined)).toBe(true);
  expect(run.outputs['new-count']).toBe(String(results(out).findings.length));
  for (const file of ['summary.md', 'vulngate.sarif', 'gl-container-scanning-report.json'])
    expect(existsSync(path.join(out, file))).toBe(true);
}

describe('baseline: auto takes only this repository’s own default-branch runs', () => {
  test('a fork’s run on a branch called main and a pull_request_target run are passed over; an older scheduled run counts', async () => {
    const github = await startGitHubArtifacts({
      owner: 'acme',
      repo: 'shop',
      token: TOKEN,
      artifacts: [
        // The fork's pull request wrote a record holding every finding: taken, `fail-on: new` would pass.
        artifact(11, 29, { fork: 'mallory/shop' }),
        // pull_request_target runs on the default branch of this repository, often with the pull request's code.
        artifact(12, 28, { event: 'pull_request_target' }),
        artifact(13, 27, { event: 'issue_comment' }),
        artifact(3, 20, { event: 'schedule', files: { 'vulngate-results.json': nothing } }),
      ],
    });
    try {
      const { run, out } = await gate(github.url);
      expect(run.stdout).toContain(`Baseline: artifact '${NAME}' of run 3 (main)`);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('FAIL — 2 new blocking findings');
      expect(results(out).baseline?.source).toBe(`artifact '${NAME}' of run 3 (main)`);
      // The fork's zip was never downloaded; the runs that were passed over were asked for their event.
      const paths = github.requests.map((r) => r.path);
      expect(paths.filter((p) => p.endsWith('/zip'))).toEqual(['/repos/acme/shop/actions/artifacts/3/zip']);
      expect(paths.filter((p) => p.includes('/actions/runs/'))).toEqual([
        '/repos/acme/shop/actions/runs/12',
        '/repos/acme/shop/actions/runs/13',
        '/repos/acme/shop/actions/runs/3',
      ]);
    } finally {
      await github.close();
    }
  });

  test('only a fork’s and pull requests’ artifacts: no baseline, one notice saying what was skipped', async () => {
    const github = await startGitHubArtifacts({
      owner: 'acme',
      repo: 'shop',
      token: TOKEN,
      artifacts: [artifact(11, 29, { fork: 'mallory/shop' }), artifact(12, 28, { event: 'pull_request' })],
    });
    try {
      const { run, out } = await gate(github.url);
      expectNoBaseline(
        run,
        out,
        /^::notice::No baseline \(no unexpired artifact 'vulngate-audit' of branch main; 2 skipped: not this repository's own push, schedule or manual run\): every finding counts as new$/,
      );
    } finally {
      await github.close();
    }
  });
});

describe('an artifact’s zip is read within bounds', () => {
  test.each([
    [
      '557 KB inflating to 560 MB',
      () => bombZip('vulngate-results.json', 560 * 1024 * 1024),
      /is \d+ bytes, more than/,
    ],
    [
      'a bomb that declares 2 KB',
      () => bombZip('vulngate-results.json', 560 * 1024 * 1024, 2048),
      /inflates to more than 67108864 bytes/,
    ],
    [
      '20,000 entries',
      () => Promise.resolve(manyEntriesZip(20_000, { name: 'vulngate-results.json', text: '{}' })),
      /has 20001 entries, more than the 10000 read/,
    ],
  ])(
    '%s: one notice, every finding new, no stack trace, the outputs written',
    async (_name, make, said) => {
      const zip = await make();
      const github = await startGitHubArtifacts({
        owner: 'acme',
        repo: 'shop',
        token: TOKEN,
        artifacts: [artifact(5, 20, { zip })],
      });
      try {
        const { run, out } = await gate(github.url);
        expectNoBaseline(run, out, new RegExp(`^::notice::No baseline \\(artifact .* is not read: .*${said.source}`));
      } finally {
        await github.close();
      }
    },
    120_000,
  );
});

describe('the job token goes to the API only', () => {
  test('a listing naming another host for the zip and for its next page: that host gets nothing', async () => {
    const elsewhere = await startElsewhere();
    const noise = Array.from({ length: 120 }, (_, i) => artifact(100 + i, 10, { branch: `feature/${i}` }));
    const github = await startGitHubArtifacts({
      owner: 'acme',
      repo: 'shop',
      token: TOKEN,
      elsewhere: elsewhere.url,
      artifacts: [artifact(3, 20, { files: { 'vulngate-results.json': nothing } }), ...noise],
    });
    try {
      const { run, out } = await gate(github.url);
      expect(elsewhere.requests).toEqual([]);
      expect(credentialsSeen(elsewhere)).toEqual([]);
      expectNoBaseline(
        run,
        out,
        new RegExp(
          `^::notice::No baseline \\(the lookup failed: refused to send the credential for ${github.url} to ` +
            `${elsewhere.url}: it goes to its own origin only\\)`,
        ),
      );
      expect(run.stdout.replace(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
    } finally {
      await github.close();
      await elsewhere.close();
    }
  });

  test('one page naming another host as archive_download_url: the zip is asked for on the API, by id', async () => {
    const elsewhere = await startElsewhere();
    const github = await startGitHubArtifacts({
      owner: 'acme',
      repo: 'shop',
      token: TOKEN,
      elsewhere: elsewhere.url,
      artifacts: [artifact(3, 20, { files: { 'vulngate-results.json': nothing } })],
    });
    try {
      const { run } = await gate(github.url);
      expect(run.stdout).toContain(`Baseline: artifact '${NAME}' of run 3 (main)`);
      expect(elsewhere.requests).toEqual([]);
      // The zip's redirect to storage is followed without the token.
      expect(github.requests.find((r) => r.path.startsWith('/blob/'))).toEqual({
        path: '/blob/3.zip',
        authorization: undefined,
        status: 200,
      });
    } finally {
      await github.close();
      await elsewhere.close();
    }
  });
});
