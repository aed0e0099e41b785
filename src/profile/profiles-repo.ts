import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ProfilesRepo } from '../config/profiles-repo.js';
import { ConfigError } from '../core/errors.js';
import { oneLine, shorten } from '../core/text.js';
import { runProcess } from '../lib/process.js';
import { redact } from '../lib/redact.js';

/** A fetched checkout: the files, the commit it is, and the way to remove it. */
export interface FetchedProfiles {
  dir: string;
  commit: string;
  remove(): Promise<void>;
}

export interface FetchArgs {
  repo: ProfilesRepo;
  token?: string;
  /** GitLab's job token authenticates as gitlab-ci-token; GitHub's (and most others) as x-access-token. */
  tokenUser: string;
  timeoutSeconds: number;
  /** For git itself: PATH and HOME only are passed on. */
  env: NodeJS.ProcessEnv;
}

/**
 * A shallow, read-only fetch of one ref into a temporary directory, with git run by argument arrays. The token
 * goes as an HTTP header scoped to the repository's origin, through git's environment-only config
 * (GIT_CONFIG_COUNT): never in argv, the URL, a log or a file.
 */
export async function fetchProfilesRepo(args: FetchArgs): Promise<FetchedProfiles> {
  const { repo } = args;
  const dir = await mkdtemp(path.join(tmpdir(), 'vulngate-profiles-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  const env: Record<string, string> = {
    PATH: args.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    ...(args.env.SSH_AUTH_SOCK ? { SSH_AUTH_SOCK: args.env.SSH_AUTH_SOCK } : {}),
  };
  const basic = args.token ? Buffer.from(`${args.tokenUser}:${args.token}`).toString('base64') : undefined;
  // Every form git or a server could print: the token, and the header it goes in.
  const secrets = { token: args.token, forms: [args.token, basic && `Basic ${basic}`] };
  if (basic && /^https?:/.test(repo.url)) {
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `http.${new URL(repo.url).origin}/.extraHeader`,
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    });
  }
  const deadline = Date.now() + args.timeoutSeconds * 1000;
  const git = async (gitArgs: string[]) => {
    const left = Math.max(1000, deadline - Date.now());
    const result = await runProcess({ command: 'git', args: gitArgs, cwd: dir, env, timeoutMs: left }).catch(
      (err: unknown) => {
        throw new ConfigError(`profiles-repo: cannot run git (${err instanceof Error ? err.message : String(err)})`);
      },
    );
    if (result.timedOut) {
      throw new ConfigError(`profiles-repo: ${repo.url} did not answer within ${args.timeoutSeconds} s`);
    }
    if (result.exitCode !== 0) throw new ConfigError(describeGitError(result.stderr, repo, secrets));
    return result.stdout.trim();
  };
  try {
    await git(['init', '-q', '.']);
    await git([
      '-c',
      'http.lowSpeedLimit=1',
      '-c',
      `http.lowSpeedTime=${args.timeoutSeconds}`,
      // The token is a header for the repository's origin; after a redirect git would send it to the new host.
      '-c',
      'http.followRedirects=false',
      'fetch',
      '--depth',
      '1',
      '--no-tags',
      '-q',
      // The URL and the ref are the user's values: never read as options, whatever they start with.
      '--end-of-options',
      repo.url,
      repo.ref ?? 'HEAD',
    ]);
    await git(['-c', 'advice.detachedHead=false', 'checkout', '-q', '--detach', 'FETCH_HEAD']);
    return { dir, commit: await git(['rev-parse', 'HEAD']), remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** git's stderr as one line saying what to change; the token is never part of it. */
export function describeGitError(
  stderr: string,
  repo: ProfilesRepo,
  { token, forms }: { token?: string; forms: (string | undefined)[] },
): string {
  const where = `${repo.url}${repo.ref ? `@${repo.ref}` : ''}`;
  if (/returned error: 30[12378]\b|redirect/i.test(stderr)) {
    return `profiles-repo: ${repo.url} answered with a redirect; it was not followed (give the URL it points to)`;
  }
  // With a token that the server refuses, git falls back to asking for credentials: that is a refused token.
  const asked = /could not read Username|terminal prompts disabled/.test(stderr);
  if (asked && !token) return `profiles-repo: ${repo.url} asks for credentials; set profiles-token`;
  if (asked || /returned error: (401|403)|Authentication failed|Permission denied/.test(stderr)) {
    // Only git's own status line counts: the URL's port (127.0.0.1:40351) may hold the same digits.
    const status = /returned error: 403\b/.test(stderr) ? '403' : '401';
    return `profiles-repo: ${repo.url} refused the token (${status}); check profiles-token`;
  }
  if (/couldn't find remote ref|not our ref|no such remote ref/i.test(stderr)) {
    return `profiles-repo: no ref '${repo.ref ?? 'HEAD'}' in ${repo.url}`;
  }
  if (/returned error: 404|not found|does not appear to be a git repository/i.test(stderr)) {
    return `profiles-repo: no repository at ${repo.url}`;
  }
  const last = stderr.trim().split('\n').pop() ?? '';
  // git may quote the token, as it is or URL-encoded: every form of it is redacted.
  const safe = redact(last, forms);
  return `profiles-repo: cannot fetch ${where}: ${shorten(oneLine(safe), 300)}`;
}
