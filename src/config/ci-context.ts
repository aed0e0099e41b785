import { readFileSync } from 'node:fs';

/** Where a run happened, from GitHub's or GitLab's environment; used in summaries, SQS messages and DefectDojo fields. */
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
  /** Pull or merge request number, when the run is for one. */
  changeRequest?: string;
}

function defaultBranchFromEvent(file: string | undefined): string {
  if (!file) return '';
  try {
    const event = JSON.parse(readFileSync(file, 'utf8')) as { repository?: { default_branch?: unknown } };
    return typeof event.repository?.default_branch === 'string' ? event.repository.default_branch : '';
  } catch {
    return '';
  }
}

export function readCiContext(env: NodeJS.ProcessEnv): CiContext {
  if (env.GITLAB_CI === 'true' || env.CI_PROJECT_PATH) {
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
      changeRequest: env.CI_MERGE_REQUEST_IID || undefined,
    };
  }
  if (env.GITHUB_REPOSITORY) {
    const [owner = '', project = ''] = env.GITHUB_REPOSITORY.split('/');
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const runUrl = env.GITHUB_RUN_ID ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : '';
    const pr = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '');
    return {
      provider: 'github',
      repository: env.GITHUB_REPOSITORY,
      owner,
      project,
      // For pull requests GITHUB_REF_NAME is "7/merge"; the branch is the head ref.
      ref: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '',
      commit: env.GITHUB_SHA ?? '',
      defaultBranch: env.VULNGATE_DEFAULT_BRANCH || defaultBranchFromEvent(env.GITHUB_EVENT_PATH),
      pipelineUrl: runUrl,
      jobUrl: runUrl,
      changeRequest: pr?.[1],
    };
  }
  return { provider: 'local', repository: '', owner: '', project: '', ref: '', commit: '', defaultBranch: '', pipelineUrl: '', jobUrl: '' };
}
