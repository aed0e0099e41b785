// Profiles-repository inputs are names, not options or paths (issue 23, class 4), through the bundled CLI against a
// real git server (git's http-backend, token-protected) and the real git, whose every argv a shim writes down.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { distCli } from '../../test/support/cli.ts';
import { makeRepo, startGitServer, type GitServer } from '../../test/support/git-server.ts';
import { reportPath } from '../../test/support/paths.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-trust-prof-'));
const TOKEN = 'ghs_profiles_token_for_names_5678';
const GITHUB = { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '1', GITHUB_SERVER_URL: 'https://github.com' };
/** What a profile outside the checkout says: everything passes. If it were read, the run would pass. */
const LAX = 'severity: CRITICAL\nexceptions:\n  - id: CVE-2019-14697\n    note: read from outside the checkout\n';

let root: string;
let outside: string;
let server: GitServer;
let gitLog: string;
let gitShim: string;

beforeAll(async () => {
  root = tmp();
  outside = tmp();
  writeFileSync(path.join(outside, 'lax.yml'), LAX);
  mkdirSync(path.join(outside, 'acme'));
  writeFileSync(path.join(outside, 'acme', 'shop.yml'), LAX);
  const base = { 'base.yml': 'severity: HIGH\n', 'default.yml': 'extends: base\n' };
  makeRepo(root, 'profiles', [{ files: { ...base, 'acme/shop.yml': 'extends: base\n' } }]);
  // A profile that is a link out of the checkout; one whose `extends` is; a directory that is.
  makeRepo(root, 'linked', [{ files: base, links: { 'acme/shop.yml': path.join(outside, 'lax.yml') } }]);
  makeRepo(root, 'extends-link', [
    { files: { ...base, 'acme/shop.yml': 'extends: lax\n' }, links: { 'acme/lax.yml': path.join(outside, 'lax.yml') } },
  ]);
  makeRepo(root, 'dir-link', [{ files: base, links: { acme: path.join(outside, 'acme') } }]);
  server = await startGitServer({ root, token: TOKEN });
  gitShim = tmp();
  gitLog = path.join(gitShim, 'argv.log');
  const realGit = ['/usr/bin/git', '/usr/local/bin/git'].find((p) => existsSync(p)) ?? 'git';
  writeFileSync(path.join(gitShim, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${gitLog}'\nexec ${realGit} "$@"\n`);
  chmodSync(path.join(gitShim, 'git'), 0o755);
});
afterAll(() => server.close());

function evaluate(args: string[], env: Record<string, string> = {}) {
  writeFileSync(gitLog, '');
  return distCli(
    ['evaluate', '--report', reportPath('alpine-39'), '--output-dir', tmp(), '--profiles-dir', tmp(), ...args],
    { env: { PATH: `${gitShim}:${process.env.PATH}`, ...GITHUB, VULNGATE_PROFILES_TOKEN: TOKEN, ...env } },
  );
}
const gitCalls = () => readFileSync(gitLog, 'utf8').trim().split('\n').filter(Boolean);

describe('a ref is a name', () => {
  test.each([
    ['--upload-pack=touch /tmp/vg-pwned', 'starts with -'],
    ['-c', 'starts with -'],
    ['main..evil', "has '..' or '@{', or is '@'"],
    ['v1.lock', "has a part that starts with '.' or ends with '.lock'"],
    ['a b', 'has a space, a control character or one of ~ ^ : ? * [ \\'],
    ['.hidden', "has a part that starts with '.' or ends with '.lock'"],
  ])('@%s: exit 2 naming it, before git runs', async (ref, why) => {
    const run = await evaluate(['--profiles-repo', `${server.url}/profiles.git@${ref}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`vulngate: --profiles-repo: the ref '${ref}' ${why}; give a branch, tag or commit\n`);
    expect(gitCalls()).toEqual([]);
    expect(existsSync('/tmp/vg-pwned')).toBe(false);
  });

  test('the URL and the ref come after --end-of-options on git’s command line; the token never does', async () => {
    const run = await evaluate(['--profiles-repo', `${server.url}/profiles.git@main`]);
    expect(run.code).toBe(1);
    const fetch = gitCalls().find((c) => c.includes(' fetch '));
    expect(fetch).toMatch(
      / -c http\.followRedirects=false fetch .* --end-of-options http:\/\/127\.0\.0\.1:\d+\/profiles\.git main$/,
    );
    expect(readFileSync(gitLog, 'utf8')).not.toContain(TOKEN);
  });
});

describe('a profile name is a name, as locally', () => {
  test.each(['..', '-x', '.hidden', '-', 'x y'])(
    '--profile %s: exit 2, never default.yml in its place',
    async (name) => {
      const central = await evaluate(['--profiles-repo', `${server.url}/profiles.git`, '--profile', name]);
      expect(central.code).toBe(2);
      expect(central.stderr).toMatch(/^vulngate: profile '.*': not a profile name of the profiles repository/);
      expect(central.stdout).toBe('');
    },
  );

  test('locally the same names are exit 2 too', async () => {
    for (const name of ['..', '-x']) {
      const local = await evaluate(['--profile', name]);
      expect(local.code).toBe(2);
      expect(local.stderr).toBe(
        `vulngate: profile '${name}': not a file path nor a profile name (letters, digits, '.', '_', '-')\n`,
      );
    }
  });
});

describe('a file is read only when its real path is inside the checkout', () => {
  test.each([
    [
      'the profile is a link',
      'linked',
      /linked\.git:acme\/shop\.yml is a link to a file outside the profiles repository/,
    ],
    [
      'its extends is a link',
      'extends-link',
      /extends-link\.git:acme\/lax\.yml: is a link to a file outside the profiles repository; it is not read/,
    ],
    [
      'its directory is a link',
      'dir-link',
      /dir-link\.git:acme\/shop\.yml is a link to a file outside the profiles repository/,
    ],
  ])('%s: exit 2, the outside file is not judged with', async (_name, repo, said) => {
    const run = await evaluate(['--profiles-repo', `${server.url}/${repo}.git`]);
    expect(run.stderr).toMatch(said);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});

test('a redirect to another origin is not followed: the token stays with the repository’s own origin', async () => {
  // Another origin that serves the same repositories to anyone and writes down what it was sent: had git followed
  // the redirect, it would have fetched from here with the token's header.
  const thief = await startGitServer({ root });
  const moved = await startGitServer({ root, token: TOKEN, redirectTo: thief.url });
  try {
    const run = await evaluate(['--profiles-repo', `${moved.url}/profiles.git`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `vulngate: profiles-repo: ${moved.url}/profiles.git answered with a redirect; it was not followed ` +
        '(give the URL it points to)\n',
    );
    expect(moved.requests).toHaveLength(1);
    expect(thief.requests).toEqual([]);
  } finally {
    await moved.close();
    await thief.close();
  }
});
