import { readFileSync } from 'node:fs';

/** The GitHub facts the action's publishing needs: API, run, pull request. */
export interface GitHubRun {
  owner: string;
  repo: string;
  /** GITHUB_REPOSITORY_ID: the repository's number, which a fork of it does not share. */
  repositoryId?: string;
  sha: string;
  /** The full ref: refs/heads/main, refs/pull/7/merge. */
  ref: string;
  eventName: string;
  apiUrl: string;
  serverUrl: string;
  runId: string;
  workflow: string;
  job: string;
  pullRequest?: { number: number; fromFork: boolean };
}

/** Where a run happened, from GitHub's or GitLab's environment: the one reader of the CI environment. */
export interface CiContext {
  provider: 'github' | 'gitlab' | 'local';
  /** owner/name or group/project. */
  repository: string;
  /** Repository owner or GitLab namespace. */
  owner: string;
  /** Repository or project name. */
  project: string;
  /** Branch or tag name (not refs/…). */
  ref: string;
  commit: string;
  defaultBranch: string;
  pipelineUrl: string;
  jobUrl: string;
  /** The repository's web page. */
  repositoryUrl: string;
  /** Pull or merge request number, when the run is for one. */
  changeRequest?: string;
  /** On GitHub only. */
  github?: GitHubRun;
}

interface GitHubEvent {
  repository?: { default_branch?: unknown };
  pull_request?: {
    number?: unknown;
    head?: { repo?: { full_name?: unknown } };
    base?: { repo?: { full_name?: unknown } };
  };
}

function readEvent(file: string | undefined): GitHubEvent {
  if (!file) return {};
  try {
    const event = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof event === 'object' && event !== null ? (event as GitHubEvent) : {};
  } catch {
    // No readable event payload: no default branch and no pull request known.
    return {};
  }
}

function readGitLab(env: NodeJS.ProcessEnv): CiContext {
  const repository = env.CI_PROJECT_PATH ?? '';
  return {
    provider: 'gitlab',
    repository,
    owner: env.CI_PROJECT_NAMESPACE ?? repository.split('/').slice(0, -1).join('/'),
    project: env.CI_PROJECT_NAME ?? repository.split('/').pop() ?? '',
    ref: env.CI_COMMIT_REF_NAME ?? '',
    commit: env.CI_COMMIT_SHA ?? '',
    defaultBranch: env.CI_DEFAULT_BRANCH ?? '',
    pipelineUrl: env.CI_PIPELINE_URL ?? '',
    jobUrl: env.CI_JOB_URL ?? '',
    repositoryUrl: env.CI_PROJECT_URL ?? '',
    changeRequest: env.CI_MERGE_REQUEST_IID || undefined,
  };
}

function pullRequestOf(event: GitHubEvent, env: NodeJS.ProcessEnv, repository: string): GitHubRun['pullRequest'] {
  const pr = event.pull_request;
  if (!/^pull_request/.test(env.GITHUB_EVENT_NAME ?? '') || typeof pr?.number !== 'number') return undefined;
  const head = pr.head?.repo?.full_name;
  const base = typeof pr.base?.repo?.full_name === 'string' ? pr.base.repo.full_name : repository;
  return { number: pr.number, fromFork: typeof head === 'string' && head !== base };
}

function readGitHub(env: NodeJS.ProcessEnv, repository: string): CiContext {
  const [owner = '', project = ''] = repository.split('/');
  const serverUrl = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runUrl = env.GITHUB_RUN_ID ? `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : '';
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const pullRequest = pullRequestOf(event, env, repository);
  const prFromRef = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1];
  const eventDefault = typeof event.repository?.default_branch === 'string' ? event.repository.default_branch : '';
  return {
    provider: 'github',
    repository,
    owner,
    project,
    // For pull requests GITHUB_REF_NAME is "7/merge"; the branch is the head ref.
    ref: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '',
    commit: env.GITHUB_SHA ?? '',
    defaultBranch: env.VULNGATE_DEFAULT_BRANCH || eventDefault,
    pipelineUrl: runUrl,
    jobUrl: runUrl,
    repositoryUrl: `${serverUrl}/${repository}`,
    changeRequest: prFromRef ?? (pullRequest ? String(pullRequest.number) : undefined),
    github: {
      owner,
      repo: project,
      ...(env.GITHUB_REPOSITORY_ID ? { repositoryId: env.GITHUB_REPOSITORY_ID } : {}),
      sha: env.GITHUB_SHA ?? '',
      ref: env.GITHUB_REF ?? '',
      eventName: env.GITHUB_EVENT_NAME ?? '',
      apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
      serverUrl,
      runId: env.GITHUB_RUN_ID ?? '',
      workflow: env.GITHUB_WORKFLOW ?? '',
      job: env.GITHUB_JOB ?? '',
      pullRequest,
    },
  };
}

export function readCiContext(env: NodeJS.ProcessEnv): CiContext {
  if (env.GITLAB_CI === 'true' || env.CI_PROJECT_PATH) return readGitLab(env);
  const repository = env.GITHUB_REPOSITORY ?? '';
  if (repository.includes('/')) return readGitHub(env, repository);
  return {
    provider: 'local',
    repository: '',
    owner: '',
    project: '',
    ref: '',
    commit: '',
    defaultBranch: '',
    pipelineUrl: '',
    jobUrl: '',
    repositoryUrl: '',
  };
}

/** The run's page on GitHub, or the pipeline's on GitLab; undefined outside CI. */
export function runUrl(ci: CiContext): string | undefined {
  return ci.pipelineUrl || undefined;
}
