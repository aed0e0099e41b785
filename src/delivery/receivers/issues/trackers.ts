import type { TrackerCredentials } from '../../../config/settings.js';
import type { IssuesNotify } from '../../../core/notify.js';
import { DEFAULT_RETRY } from '../../../lib/retry.js';
import type { DeliveryContext, Destinations } from '../../receiver.js';
import { githubIssues } from './github.js';
import { gitlabIssues } from './gitlab.js';
import { jiraIssues } from './jira.js';
import type { IssueTracker } from './sync.js';

/** The tracker's address: repository, project, site; from this job's CI and settings, never from the spool. */
export interface TrackerAddress {
  apiUrl?: string;
  owner?: string;
  repo?: string;
  project?: string;
  url?: string;
  user?: string;
}

export function addressOf(issues: IssuesNotify, to: Destinations): TrackerAddress {
  const { ci, trackers, env } = to;
  if (issues.provider === 'github')
    return { apiUrl: ci.github?.apiUrl, owner: ci.github?.owner, repo: ci.github?.repo };
  if (issues.provider === 'gitlab') {
    return {
      apiUrl: trackers.gitlab?.apiUrl ?? env.CI_API_V4_URL,
      project: issues.project ?? env.CI_PROJECT_ID ?? (ci.repository || undefined),
    };
  }
  return { url: trackers.jira?.url, user: trackers.jira?.user, project: issues.project };
}

/** The tracker the profile names, with this job's address and credentials; or what is missing. */
export function trackerFor(issues: IssuesNotify, to: Destinations, context: DeliveryContext): IssueTracker | string {
  const where = addressOf(issues, to);
  const credentials: TrackerCredentials = to.trackers;
  const timing = { retry: context.retry ?? DEFAULT_RETRY, timeoutMs: context.timeoutMs ?? 60_000 };
  switch (issues.provider) {
    case 'github':
      if (!credentials.githubToken || !where.owner || !where.repo || !where.apiUrl)
        return 'GitHub issues need the repository (GitHub Actions) and github-token';
      return githubIssues({
        ...issues,
        ...timing,
        apiUrl: where.apiUrl,
        owner: where.owner,
        repo: where.repo,
        token: credentials.githubToken,
      });
    case 'gitlab':
      if (!credentials.gitlab?.token || !where.apiUrl || !where.project)
        return 'GitLab issues need gitlab-token (api scope), the API URL and the project';
      return gitlabIssues({
        ...issues,
        ...timing,
        apiUrl: where.apiUrl,
        project: where.project,
        token: credentials.gitlab.token,
      });
    case 'jira':
      if (!credentials.jira?.token || !where.url || !where.user || !where.project)
        return 'Jira issues need jira-url, jira-user, jira-token and notify.issues.project';
      return jiraIssues({
        ...issues,
        ...timing,
        url: where.url,
        user: where.user,
        token: credentials.jira.token,
        project: where.project,
        issueType: credentials.jira.issueType,
      });
  }
}
