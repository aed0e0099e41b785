// Telling people, configured in the profile: Slack's incoming webhook, and issues on GitHub, GitLab and Jira —
// against local servers that check requests as the real APIs do and answer with their errors.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderSlackMessage, slackMessageData, SLACK_LIMITS } from '../../../src/render/slack.js';
import { cliInProcess } from '../../../test/support/cli.ts';
import { finding, imageReport } from '../../../test/support/findings.ts';
import { judge } from '../../../test/support/judge.ts';
import { startGitHubIssues, startGitLabIssues } from '../../../test/support/issue-servers.ts';
import { startJiraFake } from '../../../test/support/jira-server.ts';
import { startSlackFake, type SlackFake } from '../../../test/support/slack-server.ts';
import { reportPath } from '../../../test/support/paths.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-notify-'));

function profileDir(yaml: string): string {
  const dir = tmp();
  writeFileSync(path.join(dir, 'default.yml'), yaml);
  return dir;
}

/** A Trivy report whose text an attacker wrote: package names and titles come from the scanned image. */
function hostileReport(): string {
  const file = path.join(tmp(), 'hostile.json');
  const base = JSON.parse(readFileSync(reportPath('alpine-39'), 'utf8')) as {
    Results: { Vulnerabilities?: Record<string, unknown>[] }[];
  };
  const musl = base.Results[0]!.Vulnerabilities!.find((v) => v.PkgName === 'musl')!;
  musl.PkgName = '<!channel> *urgent* <https://evil.example|click here> & more';
  musl.Title = '<@U123> please look';
  writeFileSync(file, JSON.stringify(base));
  return file;
}

function evaluate(args: {
  profiles: string;
  out?: string;
  report?: string;
  env?: Record<string, string>;
  extra?: string[];
}) {
  const out = args.out ?? tmp();
  return {
    out,
    run: cliInProcess(
      [
        'evaluate',
        '--report',
        args.report ?? reportPath('alpine-39'),
        '--output-dir',
        out,
        '--profiles-dir',
        args.profiles,
        ...(args.extra ?? []),
      ],
      { env: { PATH: process.env.PATH, ...args.env } },
    ),
  };
}

describe('Slack', () => {
  let slack: SlackFake;
  beforeEach(async () => {
    slack = await startSlackFake();
  });
  afterEach(() => slack.close());
  const hookEnv = () => ({ SLACK_SECURITY_HOOK: `${slack.url}${slack.hook}` });
  const profile =
    'notify:\n  slack:\n    webhook_env: SLACK_SECURITY_HOOK\n    on: [fail, expired-exception]\n    mention: "<!subteam^S0PAYMENTS>"\n';

  test('a failed check posts one Block Kit message within Slack’s limits; report text is escaped, the URL never printed', async () => {
    const { run } = evaluate({ profiles: profileDir(profile), report: hostileReport(), env: hookEnv() });
    const done = await run;
    expect(done.code).toBe(1);
    expect(slack.messages).toHaveLength(1);
    const [message] = slack.messages;
    const all = JSON.stringify(message);
    expect(all).toContain('<!subteam^S0PAYMENTS>');
    expect(all).toContain('&lt;!channel&gt; *urgent* &lt;https://evil.example|click here&gt; &amp; more');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil.example');
    expect(message!.text).toMatch(/^❌ vulngate: FAIL — 2 blocking findings/);
    expect(done.stderr).toContain('Slack: posted to the webhook in SLACK_SECURITY_HOOK');
    expect(done.stdout + done.stderr).not.toContain(slack.hook);
  });

  test('no event, no message: a passing run with nothing expired posts nothing', async () => {
    const passing = `${profile}severity: CRITICAL\nexceptions:\n  - id: CVE-2019-14697\n    note: accepted\n`;
    const { run } = evaluate({ profiles: profileDir(passing), env: hookEnv() });
    expect((await run).code).toBe(0);
    expect(slack.messages).toEqual([]);
  });

  test.each([
    [400, 'invalid_blocks', 'Slack refused the message blocks (invalid_blocks)'],
    [400, 'no_text', 'Slack wants a text in the message (no_text)'],
    [404, 'no_service', 'the webhook is disabled or was removed in Slack (no_service); create a new one'],
    [410, 'channel_is_archived', "the webhook's channel is archived (channel_is_archived); point it at a live channel"],
  ])(
    '%s %s: one clear warning, the verdict stands, the message is kept and `vulngate forward` sends it',
    async (status, body, said) => {
      slack.answers.push({ status, body });
      const profiles = profileDir(profile);
      const { out, run } = evaluate({ profiles, env: hookEnv() });
      const done = await run;
      expect(done.code).toBe(1);
      expect(done.stderr.split('\n').filter((l) => l.includes('Slack:'))).toEqual([expect.stringContaining(said)]);
      const spooled = readdirSync(path.join(out, 'undelivered')).filter((f) => f.startsWith('slack-'));
      expect(spooled).toHaveLength(1);
      const spool = readFileSync(path.join(out, 'undelivered', spooled[0]!), 'utf8');
      expect(spool).not.toContain(slack.hook);
      // What the message says, as data: not the variable, the mention or markup (the replaying job's profile).
      expect(spool).not.toContain('SLACK_SECURITY_HOOK');
      expect(Object.keys(JSON.parse(spool) as object)).toEqual(['version', 'sink', 'createdAt', 'reasons', 'message']);
      const replay = await cliInProcess(['forward', '--from', out, '--profiles-dir', profiles], {
        env: { PATH: process.env.PATH, ...hookEnv() },
      });
      expect(replay.code).toBe(0);
      expect(slack.messages).toHaveLength(1);
      expect(existsSync(path.join(out, 'undelivered', spooled[0]!))).toBe(false);
    },
  );

  test('429 with Retry-After is waited out, then delivered', async () => {
    slack.answers.push({ status: 429, body: 'rate_limited', retryAfter: '1' });
    const started = Date.now();
    const { run } = evaluate({ profiles: profileDir(profile), env: hookEnv() });
    const done = await run;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(done.stderr).toContain('Slack: posted');
    expect(slack.messages).toHaveLength(1);
  });

  test('forward-failure: fail makes an undelivered message exit 4 when the check passes', async () => {
    slack.answers.push({ status: 404, body: 'no_service' });
    const passing =
      'notify:\n  slack:\n    webhook_env: SLACK_SECURITY_HOOK\n    on: [expired-exception]\nseverity: CRITICAL\nexceptions:\n  - id: CVE-2019-14697\n    note: x\n    until: 2020-01-01\n';
    const { run } = evaluate({
      profiles: profileDir(passing),
      env: hookEnv(),
      extra: ['--forward-failure', 'fail', '--fail-on-findings', 'false'],
    });
    expect((await run).code).toBe(4);
  });

  test('300 targets and 3,000 findings still fit 50 blocks of at most 3,000 characters', () => {
    expect.hasAssertions();
    const images = Array.from({ length: 300 }, (_, i) =>
      imageReport(
        Array.from({ length: 10 }, (_, j) =>
          finding({
            image: `registry.example.com/team-${i}/service-with-a-long-name:${i}`,
            id: `CVE-2026-${i * 10 + j}`,
            severity: 'CRITICAL',
            package: `pkg-${'x'.repeat(40)}-${j}`,
          }),
        ),
        `registry.example.com/team-${i}/service-with-a-long-name:${i}`,
      ),
    );
    const { results } = judge(images, { severity: 'HIGH' });
    const message = renderSlackMessage(slackMessageData({ results, events: ['fail'], where: 'acme/shop @ main' }));
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const block of message.blocks) {
      const text = (block.text as { text?: string } | undefined)?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(3000);
    }
    expect(JSON.stringify(message.blocks)).toContain('… and ');
  });
});

describe('issues', () => {
  const GITHUB = {
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_REF_NAME: 'main',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_RUN_ID: '9',
    GITHUB_SERVER_URL: 'https://github.com',
    VULNGATE_DEFAULT_BRANCH: 'main',
    VULNGATE_GITHUB_TOKEN: 'ghs_issues_token',
  };
  const issuesProfile = (extra = '') =>
    profileDir(
      `severity: MEDIUM\nnotify:\n  issues:\n    provider: github\n    labels: [security]\n    assignees: [octocat]\n${extra}`,
    );

  test('GitHub: one issue per image and id, no duplicates when run again, closed when excepted, reopened when back', async () => {
    const github = await startGitHubIssues({ owner: 'acme', repo: 'shop', token: 'ghs_issues_token' });
    try {
      // 120 issues of other work, labelled vulngate too, and a pull request: the list is paged and filtered.
      for (let i = 0; i < 120; i += 1)
        github.issues.push({
          number: i + 1,
          title: `old ${i}`,
          body: 'made by hand',
          labels: ['vulngate'],
          assignees: [],
          state: 'closed',
          comments: [],
        });
      github.issues.push({
        number: 121,
        title: 'a PR',
        body: '<!-- vulngate-issue key=0000000000000000 target=000000000000 hash=000000000000 -->',
        labels: ['vulngate'],
        assignees: [],
        state: 'open',
        comments: [],
        pull_request: true,
      });
      const env = { ...GITHUB, GITHUB_API_URL: github.url };
      const first = await evaluate({ profiles: issuesProfile(), env }).run;
      expect(first.code).toBe(1);
      const mine = () => github.issues.filter((i) => i.number > 121);
      expect(
        mine()
          .map((i) => i.title)
          .sort(),
      ).toEqual([
        '[vulngate] CVE-2019-14697 (CRITICAL) in ghcr.io/aquasecurity/trivy-test-images#alpine-39',
        '[vulngate] CVE-2019-1549 (MEDIUM) in ghcr.io/aquasecurity/trivy-test-images#alpine-39',
        '[vulngate] CVE-2019-1551 (MEDIUM) in ghcr.io/aquasecurity/trivy-test-images#alpine-39',
      ]);
      expect(mine().every((i) => i.labels.join(',') === 'vulngate,security' && i.assignees.join() === 'octocat')).toBe(
        true,
      );
      expect(mine().find((i) => i.title.includes('14697'))?.body).toMatch(/\| musl \| 1\.1\.20-r4 \| 1\.1\.20-r5 \|/);
      expect(first.stderr).toContain('Issues (github): 3 opened, 0 updated, 0 reopened, 0 closed');
      expect(
        github.requests
          .filter((r) => r.method === 'GET' && r.path.includes('/issues'))
          .map((r) => new URL(r.path, 'http://x').searchParams.get('page')),
      ).toEqual(['1', '2']);

      const again = await evaluate({ profiles: issuesProfile(), env }).run;
      expect(again.stderr).toContain('Issues (github): 0 opened, 0 updated, 0 reopened, 0 closed');
      expect(mine()).toHaveLength(3);

      const excepted = await evaluate({
        profiles: issuesProfile('exceptions:\n  - id: CVE-2019-1551\n    note: accepted\n'),
        env,
      }).run;
      expect(excepted.stderr).toContain('0 opened, 0 updated, 0 reopened, 1 closed');
      const closed = mine().find((i) => i.title.includes('1551'))!;
      expect(closed.state).toBe('closed');
      expect(closed.comments).toEqual([expect.stringMatching(/^No longer blocking: vulngate did not find it on main/)]);

      const back = await evaluate({ profiles: issuesProfile(), env }).run;
      expect(back.stderr).toContain('0 opened, 0 updated, 1 reopened, 0 closed');
      expect(closed.state).toBe('open');

      // What an issue says changes (the reason names the threshold): updated in place, not opened again.
      const lower = profileDir('severity: LOW\nnotify:\n  issues:\n    provider: github\n    labels: [security]\n');
      const changed = await evaluate({ profiles: lower, env }).run;
      expect(changed.stderr).toContain('0 opened, 3 updated, 0 reopened, 0 closed');
      expect(mine().every((i) => i.body.includes('at or above LOW'))).toBe(true);

      // A pull request's branch opens nothing.
      const before = github.requests.length;
      const branch = await evaluate({ profiles: issuesProfile(), env: { ...env, GITHUB_REF_NAME: 'feature/x' } }).run;
      expect(branch.stderr).toContain('Issues: only on the default branch');
      expect(github.requests.length).toBe(before);
    } finally {
      await github.close();
    }
  });

  test('GitHub without issues: write: one warning, kept for `vulngate forward`, which opens them later', async () => {
    const github = await startGitHubIssues({ owner: 'acme', repo: 'shop', token: 'ghs_issues_token' });
    try {
      github.refuseWrites = 403;
      const env = { ...GITHUB, GITHUB_API_URL: github.url };
      const profiles = issuesProfile();
      const { out, run } = evaluate({ profiles, env });
      const done = await run;
      expect(done.code).toBe(1);
      expect(done.stderr).toContain('GitHub refused to write issues (403): give the job `permissions: issues: write`');
      github.refuseWrites = 0;
      const replay = await cliInProcess(['forward', '--from', out, '--profiles-dir', profiles], {
        env: { PATH: process.env.PATH, ...env },
      });
      expect(replay.code).toBe(0);
      expect(github.issues).toHaveLength(3);
      expect(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8') + done.stderr).not.toContain(
        'ghs_issues_token',
      );
    } finally {
      await github.close();
    }
  });

  test('GitLab: issues through the REST API, pages followed by X-Next-Page, assignees by username, closed with a note', async () => {
    const gitlab = await startGitLabIssues({ project: 'acme/shop', token: 'glpat-issues', users: { alice: 42 } });
    try {
      for (let i = 0; i < 130; i += 1)
        gitlab.issues.push({
          number: i + 1,
          title: `old ${i}`,
          body: 'by hand',
          labels: ['vulngate'],
          assignees: [],
          state: 'closed',
          comments: [],
        });
      const env = {
        GITLAB_CI: 'true',
        CI_PROJECT_PATH: 'acme/shop',
        CI_PROJECT_ID: 'acme/shop',
        CI_API_V4_URL: `${gitlab.url}/api/v4`,
        CI_COMMIT_REF_NAME: 'main',
        CI_DEFAULT_BRANCH: 'main',
        VULNGATE_GITLAB_TOKEN: 'glpat-issues',
      };
      const profiles = profileDir('notify:\n  issues:\n    provider: gitlab\n    assignees: [alice]\n');
      const first = await evaluate({ profiles, env }).run;
      expect(first.stderr).toContain('Issues (gitlab): 1 opened');
      const created = gitlab.issues[130]!;
      expect(created.assignees).toEqual(['42']);
      expect(created.labels).toEqual(['vulngate']);
      const excepted = profileDir(
        'notify:\n  issues:\n    provider: gitlab\nexceptions:\n  - id: CVE-2019-14697\n    note: accepted\n',
      );
      const second = await evaluate({ profiles: excepted, env }).run;
      expect(second.stderr).toContain('1 closed');
      expect(created.state).toBe('closed');
      expect(created.comments).toHaveLength(1);
    } finally {
      await gitlab.close();
    }
  });

  test('Jira: ADF descriptions, labels that find the issue again across pages, transitions to done and back', async () => {
    const jira = await startJiraFake({ project: 'SEC', user: 'bot@acme.example', token: 'jira-api-token' });
    try {
      const env = { ...GITHUB, VULNGATE_JIRA_TOKEN: 'jira-api-token' };
      const extra = ['--jira-url', jira.url, '--jira-user', 'bot@acme.example'];
      for (let i = 0; i < 12; i += 1)
        jira.issues.push({
          key: `SEC-${900 + i}`,
          summary: 'other',
          description: {},
          labels: ['vulngate'],
          status: 'Done',
          comments: [],
        });
      const profiles = profileDir('severity: MEDIUM\nnotify:\n  issues:\n    provider: jira\n    project: SEC\n');
      const first = await evaluate({ profiles, env, report: hostileReport(), extra }).run;
      expect(first.stderr).toContain('Issues (jira): 3 opened');
      const mine = jira.issues.filter((i) => !i.key.startsWith('SEC-9'));
      expect(
        mine.every((i) => i.labels.includes('vulngate') && i.labels.some((l) => /^vulngate-[0-9a-f]{16}$/.test(l))),
      ).toBe(true);
      // Attacker text stays text in ADF: it is a text node, never markup.
      expect(JSON.stringify(mine.map((i) => i.description))).toContain(
        '"text":"<!channel> *urgent* <https://evil.example|click here> & more"',
      );
      const again = await evaluate({ profiles, env, report: hostileReport(), extra }).run;
      expect(again.stderr).toContain('0 opened, 0 updated, 0 reopened, 0 closed');
      const excepted = profileDir(
        'severity: MEDIUM\nnotify:\n  issues:\n    provider: jira\n    project: SEC\nexceptions:\n  - id: CVE-2019-1549\n    note: accepted\n',
      );
      const closing = await evaluate({ profiles: excepted, env, report: hostileReport(), extra }).run;
      expect(closing.stderr).toContain('1 closed');
      expect(jira.issues.filter((i) => i.status === 'Done' && !i.key.startsWith('SEC-9'))).toHaveLength(1);
      const reopening = await evaluate({ profiles, env, report: hostileReport(), extra }).run;
      expect(reopening.stderr).toContain('1 reopened');
      expect(jira.issues.filter((i) => !i.key.startsWith('SEC-9')).every((i) => i.status === 'To Do')).toBe(true);
    } finally {
      await jira.close();
    }
  });
});
