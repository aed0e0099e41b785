import { readFileSync } from 'node:fs';

/** What vulngate needs from the workflow run, read from the runner's environment and event payload. */
export interface GitHubRun {
  owner: string;
  repo: string;
  sha: string;
  ref: string;
  eventName: string;
  apiUrl: string;
  serverUrl: string;
  runId: string;
  workflow: string;
  job: string;
  pullRequest?: { number: number; fromFork: boolean };
}

export function readGitHubRun(env: NodeJS.ProcessEnv): GitHubRun | undefined {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) return undefined;
  let pullRequest: GitHubRun['pullRequest'];
  if (env.GITHUB_EVENT_PATH && /^pull_request/.test(env.GITHUB_EVENT_NAME ?? '')) {
    try {
      const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
        pull_request?: { number?: number; head?: { repo?: { full_name?: string } }; base?: { repo?: { full_name?: string } } };
      };
      const pr = event.pull_request;
      if (pr?.number) {
        const head = pr.head?.repo?.full_name;
        const base = pr.base?.repo?.full_name ?? `${owner}/${repo}`;
        pullRequest = { number: pr.number, fromFork: head !== undefined && head !== base };
      }
    } catch {
      // No readable event payload: treated as no pull request.
    }
  }
  return {
    owner,
    repo,
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    eventName: env.GITHUB_EVENT_NAME ?? '',
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    runId: env.GITHUB_RUN_ID ?? '',
    workflow: env.GITHUB_WORKFLOW ?? '',
    job: env.GITHUB_JOB ?? '',
    pullRequest,
  };
}
