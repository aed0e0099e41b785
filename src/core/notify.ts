/** Who to tell, set per project in its profile (so the central profiles repository decides). */
export const SLACK_EVENTS = ['fail', 'new', 'expired-exception'] as const;
export type SlackEvent = (typeof SLACK_EVENTS)[number];
export const ISSUE_PROVIDERS = ['github', 'gitlab', 'jira'] as const;
export type IssueProvider = (typeof ISSUE_PROVIDERS)[number];

export interface SlackNotify {
  /** The environment variable that holds the incoming-webhook URL (a secret: never in the profile). */
  webhookEnv: string;
  on: SlackEvent[];
  /** `<!subteam^ID>`, `<@U…>`, `<!here>`: put first in the message. */
  mention?: string;
}

export interface IssuesNotify {
  provider: IssueProvider;
  /** Open issues for blocking findings (the only event so far). */
  on: 'blocking'[];
  labels: string[];
  assignees: string[];
  /** Jira project key; GitLab project id or path (default: the CI project). */
  project?: string;
  /** Also off the default branch (pull requests would open issues for what they have not merged). */
  anyBranch: boolean;
}

export interface NotifyConfig {
  slack?: SlackNotify;
  issues?: IssuesNotify;
}
