// Profiles from a central repository on a real git server (git's http-backend on 127.0.0.1, token-protected),
// fetched by the real git; and `vulngate profiles lint` for that repository's own CI.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliInProcess, summaryOf } from '../../test/support/cli.ts';
import { makeRepo, startGitServer, startSilentServer, type GitServer } from '../../test/support/git-server.ts';
import { reportPath } from '../../test/support/paths.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-central-'));
const TOKEN = 'ghs_profiles_read_token_1234';
const NOW = new Date('2026-12-03T12:00:00Z');
const GITHUB = { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '1', GITHUB_SERVER_URL: 'https://github.com' };

const BASE = `# Every project builds on this.
severity: HIGH
max_exception_days: 90
`;
const SHOP_V1 = `extends: base
exceptions:
  - id: CVE-2019-14697
    package: musl
    note: musl's x87 floating point bug is not reachable from our code
    owner: payments-team
    ticket: SEC-142
    until: 2027-01-31
`;
const SHOP_V2 = `extends: base
severity: CRITICAL
`;

let root: string;
let server: GitServer;
let commits: string[];
let gitLog: string;
let gitShim: string;

beforeAll(async () => {
  root = tmp();
  commits = makeRepo(root, 'profiles', [
    { files: { 'base.yml': BASE, 'default.yml': 'extends: base\n', 'acme/shop.yml': SHOP_V1 }, tag: 'v1' },
    { files: { 'acme/shop.yml': SHOP_V2 } },
    { files: { 'acme/shop.yml': 'extends: base\nignore_unfixed: false\n' }, branch: 'next' },
  ]);
  server = await startGitServer({ root, token: TOKEN });
  // git on PATH through a shim that writes down every argv: the token must never be in one.
  gitShim = tmp();
  gitLog = path.join(gitShim, 'argv.log');
  const realGit = ['/usr/bin/git', '/usr/local/bin/git'].find((p) => existsSync(p)) ?? 'git';
  writeFileSync(path.join(gitShim, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${gitLog}'\nexec ${realGit} "$@"\n`);
  chmodSync(path.join(gitShim, 'git'), 0o755);
});
afterAll(() => server.close());

function evaluate(args: string[], env: Record<string, string> = {}) {
  return cliInProcess(
    ['evaluate', '--report', reportPath('alpine-39'), '--output-dir', tmp(), '--profiles-dir', tmp(), ...args],
    {
      env: { PATH: `${gitShim}:${process.env.PATH}`, HOME: process.env.HOME, ...GITHUB, ...env },
      now: NOW,
    },
  );
}
const results = (run: { stdout: string }) => {
  const file = /^Results: (.*)$/m.exec(run.stdout)?.[1] ?? '';
  return JSON.parse(readFileSync(file, 'utf8')) as {
    verdict: string;
    profile: { source: string; severity: string; origin?: Record<string, string> };
    findings: { id: string; package: string; decision: string; exception?: Record<string, string> }[];
    exceptions: { unused: unknown[] };
  };
};

describe('profiles-repo', () => {
  test('the project’s profile at a tag, with extends inside the repository; the audit record names commit and hash', async () => {
    const run = await evaluate(['--profiles-repo', `${server.url}/profiles.git@v1`], {
      VULNGATE_PROFILES_TOKEN: TOKEN,
    });
    expect(run.stderr).toContain(
      `Profile ${server.url}/profiles.git@v1:acme/shop.yml (commit ${commits[0]!.slice(0, 12)})`,
    );
    expect(run.code).toBe(1);
    const record = results(run);
    expect(record.profile.origin).toEqual({
      repository: `${server.url}/profiles.git`,
      ref: 'v1',
      commit: commits[0],
      file: 'acme/shop.yml',
      sha256: createHash('sha256').update(SHOP_V1).digest('hex'),
    });
    const musl = record.findings.find((f) => f.package === 'musl')!;
    expect(musl.decision).toBe('excepted');
    expect(musl.exception).toMatchObject({
      owner: 'payments-team',
      ticket: 'SEC-142',
      origin: 'acme/shop.yml exceptions[0]',
    });
    expect(summaryOf(run)).toContain(`at commit \`${commits[0]!.slice(0, 12)}\``);
    // The terminal's header names the commit too.
    expect(run.stdout).toContain(`@ ${commits[0]!.slice(0, 12)}`);
    // The token went to the server as Basic auth, and nowhere else.
    expect(server.requests.some((r) => r.authorization?.startsWith('Basic '))).toBe(true);
    expect(readFileSync(gitLog, 'utf8')).not.toContain(TOKEN);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  test('a branch, a commit, and HEAD pick their own versions; a project without a file gets default.yml', async () => {
    const token = { VULNGATE_PROFILES_TOKEN: TOKEN };
    const head = results(await evaluate(['--profiles-repo', `${server.url}/profiles.git`], token));
    expect(head.profile.severity).toBe('CRITICAL');
    expect(head.profile.origin?.commit).toBe(commits[1]);
    const next = results(await evaluate(['--profiles-repo', `${server.url}/profiles.git@next`], token));
    expect(next.profile.origin?.commit).toBe(commits[2]);
    const pinned = results(await evaluate(['--profiles-repo', `${server.url}/profiles.git@${commits[0]}`], token));
    expect(pinned.profile.origin?.file).toBe('acme/shop.yml');
    expect(pinned.profile.origin?.commit).toBe(commits[0]);
    const other = results(
      await evaluate(['--profiles-repo', `${server.url}/profiles.git`], {
        ...token,
        GITHUB_REPOSITORY: 'acme/billing',
      }),
    );
    expect(other.profile.origin?.file).toBe('default.yml');
  });

  test.each([
    [
      'a bad token',
      { VULNGATE_PROFILES_TOKEN: 'wrong' },
      `${'URL'}/profiles.git`,
      /^vulngate: profiles-repo: .* refused the token \(401\); check profiles-token$/m,
    ],
    [
      'no token',
      {},
      `${'URL'}/profiles.git`,
      /^vulngate: profiles-repo: .* asks for credentials; set profiles-token$/m,
    ],
    [
      'a missing ref',
      { VULNGATE_PROFILES_TOKEN: TOKEN },
      `${'URL'}/profiles.git@v9`,
      /^vulngate: profiles-repo: no ref 'v9' in /m,
    ],
    [
      'a missing repository',
      { VULNGATE_PROFILES_TOKEN: TOKEN },
      `${'URL'}/nothing.git`,
      /^vulngate: profiles-repo: no repository at /m,
    ],
  ])('%s is one clear line and exit 2 before anything is judged', async (_name, env, repo, message) => {
    const run = await evaluate(['--profiles-repo', repo.replace('URL', server.url)], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
  });

  test('a missing profile names what was looked for; a server that does not answer is an error within the timeout', async () => {
    const emptyRoot = tmp();
    makeRepo(emptyRoot, 'empty', [{ files: { 'README.md': '# profiles\n' } }]);
    const empty = await startGitServer({ root: emptyRoot });
    try {
      const missing = await evaluate(['--profiles-repo', `${empty.url}/empty.git`]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/^vulngate: profiles-repo: none of acme\/shop\.yml, shop\.yml, default\.yml in /m);
    } finally {
      await empty.close();
    }
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const hung = await evaluate(['--profiles-repo', `${silent.url}/profiles.git`, '--profiles-repo-timeout', '2']);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(hung.code).toBe(2);
      expect(hung.stderr).toMatch(/^vulngate: profiles-repo: .* did not answer within 2 s$/m);
    } finally {
      await silent.close();
    }
  });

  test('profiles-repo-required: a file of this repository cannot replace it, an input cannot loosen it', async () => {
    const local = path.join(tmp(), 'lax.yml');
    writeFileSync(local, 'severity: CRITICAL\n');
    const env = { VULNGATE_PROFILES_TOKEN: TOKEN };
    const base = ['--profiles-repo', `${server.url}/profiles.git@v1`, '--profiles-repo-required', 'true'];
    const replaced = await evaluate([...base, '--profile', local], env);
    expect(replaced.code).toBe(2);
    expect(replaced.stderr).toMatch(/cannot replace the central profile \(profiles-repo-required\)$/m);
    const loosened = await evaluate([...base, '--severity', 'CRITICAL'], env);
    expect(loosened.code).toBe(2);
    expect(loosened.stderr).toContain(
      "severity: CRITICAL would loosen the central profile's HIGH (profiles-repo-required)",
    );
    const tightened = await evaluate([...base, '--severity', 'MEDIUM'], env);
    expect(tightened.code).toBe(1);
    // Not required: a local file still replaces it, with a warning.
    const allowed = await evaluate(['--profiles-repo', `${server.url}/profiles.git@v1`, '--profile', local], env);
    expect(allowed.stderr).toContain(`Using ${local} from this repository instead of the central profile`);
    expect(results(allowed).profile.source).toBe(local);
    const noRepo = await evaluate(['--profiles-repo-required', 'true']);
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toContain('--profiles-repo-required: needs --profiles-repo');
  });

  test('plain http is for loopback only; a URL with credentials is refused', async () => {
    const http = await evaluate(['--profiles-repo', 'http://git.example.com/profiles.git']);
    expect(http.stderr).toContain('plain http is allowed for 127.0.0.1 and localhost only; use https');
    const creds = await evaluate(['--profiles-repo', `https://x:${TOKEN}@git.example.com/profiles.git`]);
    expect(creds.code).toBe(2);
    expect(creds.stderr).toContain('the URL must not carry credentials; give the token as profiles-token');
    expect(creds.stderr).not.toContain(TOKEN);
  });
});

describe('exception governance', () => {
  test('max_exception_days: an exception without until, or ending too far ahead, is a profile error naming it', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'base.yml'), BASE);
    writeFileSync(path.join(dir, 'open.yml'), 'extends: base\nexceptions:\n  - id: CVE-1\n    note: x\n');
    writeFileSync(
      path.join(dir, 'far.yml'),
      'extends: base\nexceptions:\n  - id: CVE-1\n    note: x\n    until: 2027-06-01\n',
    );
    const cli = (name: string) =>
      cliInProcess(
        [
          'evaluate',
          '--report',
          reportPath('alpine-39'),
          '--output-dir',
          tmp(),
          '--profiles-dir',
          dir,
          '--profile',
          name,
        ],
        { now: NOW },
      );
    expect((await cli('open')).stderr).toContain(
      `${dir}/open.yml exceptions[0]: needs 'until' (max_exception_days is 90)`,
    );
    const far = await cli('far');
    expect(far.code).toBe(2);
    expect(far.stderr).toContain(
      `${dir}/far.yml exceptions[0]: until 2027-06-01 is more than max_exception_days (90) ahead`,
    );
  });

  test('vulngate profiles lint: every error one line naming file and key (exit 2); exceptions to review listed', async () => {
    const dir = tmp();
    const write = (file: string, text: string) => writeFileSync(path.join(dir, file), text);
    write(
      'base.yml',
      'severity: HIGH\nexceptions:\n  - id: CVE-2020-1\n    note: shared acceptance\n    until: 2026-12-10\n',
    );
    write(
      'api.yml',
      'extends: base\nexceptions:\n  - id: CVE-2020-1\n    note: again\n    until: 2026-12-31\n  - id: CVE-2021-2\n    note: old\n    until: 2026-11-01\n  - id: CVE-2022-3\n    note: forever\n    owner: web-team\n',
    );
    write('web.yml', 'extends: base\nexceptions:\n  - id: CVE-2023-4\n    severity: LOW\n    note: low only\n');
    const clean = await cliInProcess(['profiles', 'lint', dir, '--format', 'json'], { now: NOW });
    expect(clean.code).toBe(0);
    const report = JSON.parse(clean.stdout) as Record<
      string,
      { origin?: string; id?: string; origins?: string[] }[]
    > & { files: number };
    expect(report.files).toBe(3);
    const origins = (list: { origin?: string }[]) => list.map((e) => path.basename(e.origin ?? '')).sort();
    expect(origins(report.expired!)).toEqual(['api.yml exceptions[1]']);
    expect(origins(report.expiringSoon!)).toEqual(['base.yml exceptions[0]']);
    // No until: a HIGH-capable exception is listed, one capped at LOW is not.
    expect(origins(report.withoutUntil!)).toEqual(['api.yml exceptions[2]']);
    expect(
      report.duplicates!.map((d) => `${path.basename(d.origins![0]!)} = ${path.basename(d.origins![1]!)}`),
    ).toEqual(['base.yml exceptions[0] = api.yml exceptions[0]']);

    write('broken.yml', 'exceptions:\n  - id: CVE-1\n    note: x\n    vex_status: maybe\n');
    write('bad-until.yml', 'exceptions:\n  - id: CVE-1\n    note: x\n    until: tomorrow\n');
    const text = await cliInProcess(['profiles', 'lint', dir], { now: NOW });
    expect(text.code).toBe(2);
    const errors = text.stdout.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([
      expect.stringMatching(/bad-until\.yml: exceptions\[0\]\.until: 'tomorrow' is not a date; use YYYY-MM-DD$/),
      expect.stringMatching(/broken\.yml: exceptions\[0\]\.vex_status: "maybe" is not allowed; allowed: not_affected/),
    ]);
    expect(text.stdout).toMatch(
      /^5 profile\(s\): 2 error\(s\), 1 expired, 1 expiring soon, 1 without until, 1 duplicate\(s\)$/m,
    );
  });
});
