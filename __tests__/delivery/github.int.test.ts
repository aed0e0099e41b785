import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import { run } from '../../src/action/main.js';
import { fastRetry } from '../../test/support/retry.ts';
import { actionEnvironment, parseOutputs, runDistAction, captureStdout } from '../../test/support/action.ts';
import { startArtifactFake, zipEntries, type ArtifactFake } from '../../test/support/artifact-server.ts';
import { otherComments, startGitHubFake, type GitHubFake } from '../../test/support/github-server.ts';
import { reportPath } from '../../test/support/paths.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-publish-'));
const SHA = 'a'.repeat(40);
const TOKEN = 'ghs_testtoken123';
const FAST = { github: { retry: fastRetry(3), pollDelaysMs: [5, 5, 5] } };

function runnerEnv(
  github: GitHubFake,
  artifacts: ArtifactFake,
  opts: { fork?: boolean; event?: string } = {},
): NodeJS.ProcessEnv {
  const eventFile = path.join(tmp(), 'event.json');
  writeFileSync(
    eventFile,
    JSON.stringify({
      pull_request: {
        number: 7,
        head: { repo: { full_name: opts.fork ? 'someone/fork' : 'acme/shop' } },
        base: { repo: { full_name: 'acme/shop' } },
      },
    }),
  );
  const event = opts.event ?? 'pull_request';
  return {
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: SHA,
    GITHUB_REF: event === 'pull_request' ? 'refs/pull/7/merge' : 'refs/heads/main',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_API_URL: github.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '99',
    GITHUB_WORKFLOW: 'image-scan',
    GITHUB_JOB: 'scan',
    ACTIONS_RESULTS_URL: artifacts.resultsUrl,
    ACTIONS_RUNTIME_TOKEN: artifacts.runtimeToken,
  };
}

describe('publishing from the action (src/, in process) to local GitHub and artifact servers', () => {
  let github: GitHubFake;
  let artifacts: ArtifactFake;
  let written: string[];
  const saved = { ...process.env };
  const savedExitCode = process.exitCode;

  beforeEach(async () => {
    github = await startGitHubFake({ owner: 'acme', repo: 'shop', token: TOKEN, pullNumber: 7 });
    artifacts = await startArtifactFake();
    written = captureStdout();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    process.env = { ...saved };
    process.exitCode = savedExitCode;
    await github.close();
    await artifacts.close();
  });

  async function runAction(inputs: Record<string, string> = {}, env: NodeJS.ProcessEnv = runnerEnv(github, artifacts)) {
    const out = tmp();
    const runner = actionEnvironment({
      reports: reportPath('alpine-39'),
      'github-token': TOKEN,
      'output-dir': out,
      'profiles-dir': tmp(),
      ...inputs,
    });
    process.env = { ...saved, ...env, ...runner.env };
    process.exitCode = undefined;
    await run(process.env, FAST);
    return {
      out,
      outputs: parseOutputs(readFileSync(runner.outputFile, 'utf8')),
      summary: readFileSync(runner.summaryFile, 'utf8'),
      exitCode: process.exitCode,
      log: written.join(''),
    };
  }

  test('SARIF, artifact and PR comment; links in the job summary; the token is masked', async () => {
    const { out, outputs, summary, exitCode, log } = await runAction();
    expect(exitCode).toBe(1);
    expect(outputs['sarif-file']).toBe(path.join(out, 'vulngate.sarif'));

    // Code scanning received exactly the SARIF vulngate wrote, for the merge ref of the pull request.
    expect(github.sarifUploads).toHaveLength(1);
    expect(github.sarifUploads[0]).toMatchObject({ commit_sha: SHA, ref: 'refs/pull/7/merge', tool_name: 'vulngate' });
    expect(github.sarifUploads[0]!.sarif).toEqual(JSON.parse(readFileSync(path.join(out, 'vulngate.sarif'), 'utf8')));

    // The audit artifact holds every output, raw report included, kept 30 days.
    expect(artifacts.artifacts).toHaveLength(1);
    const artifact = artifacts.artifacts[0]!;
    expect(artifact.name).toMatch(/^vulngate-scan-[0-9a-f]{8}$/);
    expect(zipEntries(artifact.zip)).toEqual([
      'gl-container-scanning-report.json',
      // evaluate keeps the report it judged, as a scan does.
      'reports/001-alpine-39.json',
      'summary.md',
      'vulngate-results.json',
      'vulngate.openvex.json',
      'vulngate.sarif',
    ]);
    const days = (Date.parse(artifact.expiresAt!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);

    // One comment, with the hidden marker and the blocking findings.
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toMatch(/^<!-- vulngate-comment [0-9a-f]{16} -->/);
    expect(github.comments[0]!.body).toContain('❌ vulngate: FAIL — 2 blocking findings in 1 of 1 image');
    expect(github.comments[0]!.body).toContain(
      `[Full results](https://github.com/acme/shop/actions/runs/99/artifacts/${artifact.id})`,
    );

    expect(summary).toContain(
      `- Audit artifact (reports, results, SARIF, GitLab report): https://github.com/acme/shop/actions/runs/99/artifacts/${artifact.id}`,
    );
    expect(summary).toContain(
      '- Code scanning: https://github.com/acme/shop/security/code-scanning?query=tool%3Avulngate+ref%3Arefs%2Fpull%2F7%2Fmerge',
    );
    expect(summary).toContain('- Pull-request comment: https://github.com/acme/shop/pull/7#issuecomment-');
    expect(log).toContain(`::add-mask::${TOKEN}`);
    expect(log.replace(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
  });

  test('the next push updates the same comment and says what changed', async () => {
    await runAction();
    const first = github.comments[0]!;
    await runAction({ 'ignore-unfixed': 'false', severity: 'MEDIUM' });
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.id).toBe(first.id);
    expect(github.comments[0]!.body).toContain('Since the last comment: 4 new blocking findings, 0 resolved.');
    await runAction({ severity: 'CRITICAL', profile: '' });
    expect(github.comments[0]!.body).toContain('Since the last comment: 0 new blocking findings, 4 resolved.');
    expect(github.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
  });

  test('finds its comment on a later page among others', async () => {
    github.comments.push(...otherComments(150));
    await runAction();
    github.comments.push(...otherComments(3).map((c) => ({ ...c, id: c.id + 500 })));
    await runAction();
    expect(github.comments.filter((c) => c.body.includes('vulngate-comment'))).toHaveLength(1);
    expect(github.requests.some((r) => r.method === 'GET' && r.path.endsWith('/comments') && r.status === 200)).toBe(
      true,
    );
  });

  test('403 from code scanning: a warning that says what to change; the verdict and other outputs stand', async () => {
    github.failNext('sarif-upload', 403);
    const { exitCode, log } = await runAction();
    expect(log).toContain(
      '::warning::Code scanning refused the SARIF upload (403: Resource not accessible by integration',
    );
    expect(log).toContain('give the job `permissions: security-events: write`');
    expect(exitCode).toBe(1);
    expect(artifacts.artifacts).toHaveLength(1);
    expect(github.comments).toHaveLength(1);
  });

  test('a passing gate stays passing when code scanning answers 404 or 422', async () => {
    expect.hasAssertions();
    for (const status of [404, 422]) {
      github.failNext('sarif-upload', status);
      const { exitCode, log } = await runAction({
        severity: 'CRITICAL',
        'ignore-unfixed': 'true',
        reports: reportPath('debian-stretch'),
      });
      expect(exitCode).toBeUndefined();
      expect(log).toMatch(
        status === 404
          ? /::warning::Code scanning upload: repository not found for this token \(404\)/
          : /::warning::Code scanning rejected the SARIF upload \(422: Invalid request\./,
      );
    }
  });

  test('a 5xx is retried, then the upload succeeds; pending processing is polled to completion', async () => {
    github.failNext('sarif-upload', 502, 1);
    github.pendingPolls = 2;
    const { log } = await runAction();
    expect(github.requests.filter((r) => r.path.endsWith('/code-scanning/sarifs')).map((r) => r.status)).toEqual([
      502, 202,
    ]);
    expect(github.requests.filter((r) => r.path.includes('/code-scanning/sarifs/')).map((r) => r.status)).toEqual([
      200, 200, 200,
    ]);
    expect(github.sarifUploads).toHaveLength(1);
    expect(log).not.toContain('::warning::Code scanning');
  });

  test('processing that does not finish in time is a warning', async () => {
    github.pendingPolls = 100;
    const { log } = await runAction();
    expect(log).toMatch(
      /::warning::Code scanning had not finished processing the SARIF upload \(id sarif-\d+\) when vulngate stopped waiting/,
    );
  });

  test('pull requests from forks: no upload, no comment, a notice; the artifact is still uploaded', async () => {
    const { log } = await runAction({}, runnerEnv(github, artifacts, { fork: true }));
    expect(github.requests.filter((r) => r.path.includes('code-scanning') || r.path.includes('comments'))).toEqual([]);
    expect(log).toContain('::notice::Skipped the code-scanning upload: pull requests from forks get a read-only token');
    expect(log).toContain('::notice::Skipped the pull-request comment: pull requests from forks get a read-only token');
    expect(artifacts.artifacts).toHaveLength(1);
  });

  test('a token that may not comment: a notice, nothing else fails', async () => {
    github.failNext('comments', 403);
    const { log, exitCode } = await runAction();
    expect(log).toContain('::notice::Skipped the pull-request comment: the token may not write to pull requests');
    expect(exitCode).toBe(1);
  });

  test('a bad token: every GitHub call is a warning or notice, the gate still decides', async () => {
    const { log, exitCode } = await runAction({ 'github-token': 'wrong' });
    expect(log).toContain('::warning::Code scanning upload failed (401): Bad credentials');
    expect(exitCode).toBe(1);
  });

  test('the artifact backend refusing: a warning; the comment still links the run', async () => {
    artifacts.failCreate = 5;
    const { log } = await runAction({ 'artifact-name': 'audit' });
    expect(log).toMatch(/::warning::Could not upload the audit artifact 'audit': /);
    expect(github.comments[0]!.body).toContain('[Full results](https://github.com/acme/shop/actions/runs/99)');
  });

  test('push events: no comment, and the branch ref for code scanning; uploads can be turned off', async () => {
    await runAction({}, runnerEnv(github, artifacts, { event: 'push' }));
    expect(github.sarifUploads[0]!.ref).toBe('refs/heads/main');
    expect(github.comments).toHaveLength(0);
    await runAction({ 'upload-sarif': 'false', 'upload-artifact': 'false' });
    expect(github.sarifUploads).toHaveLength(1);
    expect(artifacts.artifacts).toHaveLength(1);
  });
});

test('the bundled action (dist/, Node 24) uploads SARIF, artifact and comment to the local servers', async () => {
  const github = await startGitHubFake({ owner: 'acme', repo: 'shop', token: TOKEN, pullNumber: 7 });
  const artifacts = await startArtifactFake();
  try {
    const out = tmp();
    const result = await runDistAction(
      { reports: reportPath('alpine-39'), 'github-token': TOKEN, 'output-dir': out, 'profiles-dir': tmp() },
      runnerEnv(github, artifacts),
    );
    expect(result.code).toBe(1);
    expect(github.sarifUploads).toHaveLength(1);
    expect(result.stdout).not.toContain('Could not upload the audit artifact');
    expect(artifacts.artifacts).toHaveLength(1);
    expect(github.comments).toHaveLength(1);
    expect(result.summary).toContain(
      '- Audit artifact (reports, results, SARIF, GitLab report): https://github.com/acme/shop/actions/runs/99/artifacts/',
    );
  } finally {
    await github.close();
    await artifacts.close();
  }
});
