import type { CiContext } from '../config/ci-context.js';
import { describeError } from '../core/errors.js';
import type { IssuesNotify, NotifyConfig } from '../core/notify.js';
import type { GateResults } from '../core/results.js';
import { DEFAULT_RETRY } from '../lib/retry.js';
import { renderSlackMessage, slackEvents } from '../render/slack.js';
import { redact } from '../lib/redact.js';
import type { ForwardContext } from './forward.js';
import { githubIssues } from './issues/github.js';
import { gitlabIssues } from './issues/gitlab.js';
import { jiraIssues } from './issues/jira.js';
import { issueSpecs, syncIssues, targetKeyOf, type IssueSpec, type IssueTracker } from './issues/sync.js';
import type { DeliveryOutcome } from './outcome.js';
import { checkWebhookUrl, postToSlack } from './slack.js';
import { writeUndelivered, type UndeliveredEntry } from './spool.js';

/** Credentials for the trackers, from inputs or variables: never from the profile, never written. */
export interface TrackerCredentials {
  githubToken?: string;
  gitlab?: { apiUrl?: string; token?: string };
  jira?: { url?: string; user?: string; token?: string; issueType: string };
}

/** What a spooled issue sync needs to run again (no token: those come from the environment of the replay). */
export interface StoredIssueSync {
  issues: IssuesNotify;
  /** The tracker's address: repository, project, site. */
  where: { apiUrl?: string; owner?: string; repo?: string; project?: string; url?: string; user?: string };
  specs: IssueSpec[];
  scannedTargets: string[];
  seenOn: string;
}

export function trackerFor(
  stored: StoredIssueSync,
  credentials: TrackerCredentials,
  context: ForwardContext,
): IssueTracker | string {
  const retry = context.retry ?? DEFAULT_RETRY;
  const timeoutMs = context.timeoutMs ?? 60_000;
  const { issues, where } = stored;
  switch (issues.provider) {
    case 'github':
      if (!credentials.githubToken || !where.owner || !where.repo || !where.apiUrl)
        return 'GitHub issues need the repository (GitHub Actions) and github-token';
      return githubIssues({
        ...issues,
        apiUrl: where.apiUrl,
        owner: where.owner,
        repo: where.repo,
        token: credentials.githubToken,
        retry,
        timeoutMs,
      });
    case 'gitlab':
      if (!credentials.gitlab?.token || !where.apiUrl || !where.project)
        return 'GitLab issues need gitlab-token (api scope), the API URL and the project';
      return gitlabIssues({
        ...issues,
        apiUrl: where.apiUrl,
        project: where.project,
        token: credentials.gitlab.token,
        retry,
        timeoutMs,
      });
    case 'jira':
      if (!credentials.jira?.token || !where.url || !where.user || !where.project)
        return 'Jira issues need jira-url, jira-user, jira-token and notify.issues.project';
      return jiraIssues({
        ...issues,
        url: where.url,
        user: where.user,
        token: credentials.jira.token,
        project: where.project,
        issueType: credentials.jira.issueType,
        retry,
        timeoutMs,
      });
  }
}

function whereOf(
  issues: IssuesNotify,
  ci: CiContext,
  credentials: TrackerCredentials,
  env: NodeJS.ProcessEnv,
): StoredIssueSync['where'] {
  if (issues.provider === 'github')
    return { apiUrl: ci.github?.apiUrl, owner: ci.github?.owner, repo: ci.github?.repo };
  if (issues.provider === 'gitlab') {
    return {
      apiUrl: credentials.gitlab?.apiUrl ?? env.CI_API_V4_URL,
      project: issues.project ?? env.CI_PROJECT_ID ?? ci.repository,
    };
  }
  return { url: credentials.jira?.url, user: credentials.jira?.user, project: issues.project };
}

/** Runs one issue sync; what fails is spooled for `vulngate forward`. Never throws. */
export async function deliverIssues(args: {
  stored: StoredIssueSync;
  credentials: TrackerCredentials;
  outputDir: string;
  id: string;
  context: ForwardContext;
}): Promise<DeliveryOutcome> {
  const { stored, context } = args;
  const tracker = trackerFor(stored, args.credentials, context);
  if (typeof tracker === 'string') {
    context.logger.warning(`Issues: ${tracker}; nothing was opened`);
    return { sink: 'issues', status: 'skipped', message: tracker };
  }
  try {
    const done = await syncIssues({ tracker, ...stored });
    const message =
      `Issues (${stored.issues.provider}): ${done.created.length} opened, ${done.updated.length} updated, ` +
      `${done.reopened.length} reopened, ${done.closed.length} closed`;
    context.logger.info(message);
    return { sink: 'issues', status: 'delivered', message };
  } catch (err) {
    const secrets = [args.credentials.githubToken, args.credentials.gitlab?.token, args.credentials.jira?.token];
    const reason = redact(describeError(err), secrets);
    const entry = {
      version: 1 as const,
      sink: 'issues' as const,
      createdAt: context.now.toISOString(),
      reasons: [reason],
      sync: stored,
    };
    return spoolFailure({ ...args, entry, label: `Issues (${stored.issues.provider})` });
  }
}

/** Posts one Slack message; what fails is spooled (without the URL, which is a secret). Never throws. */
export async function deliverSlack(args: {
  webhookEnv: string;
  payload: unknown;
  env: NodeJS.ProcessEnv;
  outputDir: string;
  id: string;
  context: ForwardContext;
}): Promise<DeliveryOutcome> {
  const { context } = args;
  const url = args.env[args.webhookEnv];
  if (!url) {
    const message = `Slack: ${args.webhookEnv} (notify.slack.webhook_env) is not set; nothing was posted`;
    context.logger.warning(message);
    return { sink: 'slack', status: 'skipped', message };
  }
  const bad = checkWebhookUrl(url);
  if (bad) {
    const message = `Slack: the URL in ${args.webhookEnv} ${bad}; nothing was posted`;
    context.logger.warning(message);
    return { sink: 'slack', status: 'failed', message };
  }
  try {
    await postToSlack({
      url,
      payload: args.payload,
      retry: context.retry ?? DEFAULT_RETRY,
      timeoutMs: context.timeoutMs ?? 30_000,
    });
    context.logger.info(`Slack: posted to the webhook in ${args.webhookEnv}`);
    return { sink: 'slack', status: 'delivered', message: 'posted' };
  } catch (err) {
    const reason = redact(describeError(err), [url]);
    const entry = {
      version: 1 as const,
      sink: 'slack' as const,
      createdAt: context.now.toISOString(),
      reasons: [reason],
      webhookEnv: args.webhookEnv,
      payload: args.payload,
    };
    return spoolFailure({ ...args, entry, label: 'Slack' });
  }
}

/** What could not be delivered, kept for `vulngate forward`, and said once. */
async function spoolFailure(args: {
  entry: Extract<UndeliveredEntry, { sink: 'slack' | 'issues' }>;
  label: string;
  outputDir: string;
  id: string;
  context: ForwardContext;
}): Promise<DeliveryOutcome> {
  const { entry } = args;
  const file = await writeUndelivered({ outputDir: args.outputDir, id: args.id, entry });
  const message = `${args.label}: ${entry.reasons.join('; ')}; kept in ${file} for \`vulngate forward\``;
  args.context.logger.warning(message);
  return { sink: entry.sink, status: 'failed', message, spooled: file };
}

/** Tells people what the profile's `notify` asks for: Slack, and an issue per blocking finding. */
export async function notifyPeople(args: {
  results: GateResults;
  notify: NotifyConfig | undefined;
  ci: CiContext;
  env: NodeJS.ProcessEnv;
  credentials: TrackerCredentials;
  outputDir: string;
  id: string;
  artifactUrl?: string;
  context: ForwardContext;
}): Promise<DeliveryOutcome[]> {
  const { results, notify, ci, context } = args;
  const outcomes: DeliveryOutcome[] = [];
  const where = [ci.repository, ci.ref].filter(Boolean).join(' @ ') || 'local run';
  if (notify?.slack) {
    const events = slackEvents(results, notify.slack.on);
    if (events.length > 0) {
      const payload = renderSlackMessage({
        results,
        events,
        where,
        mention: notify.slack.mention,
        runUrl: ci.pipelineUrl || undefined,
        artifactUrl: args.artifactUrl,
      });
      outcomes.push(
        await deliverSlack({
          webhookEnv: notify.slack.webhookEnv,
          payload,
          env: args.env,
          outputDir: args.outputDir,
          id: args.id,
          context,
        }),
      );
    }
  }
  if (notify?.issues) {
    const onDefault = ci.defaultBranch !== '' && ci.ref === ci.defaultBranch;
    if (!onDefault && !notify.issues.anyBranch) {
      context.logger.info('Issues: only on the default branch (notify.issues.any_branch is false)');
    } else {
      const stored: StoredIssueSync = {
        issues: notify.issues,
        where: whereOf(notify.issues, ci, args.credentials, args.env),
        specs: issueSpecs(results),
        scannedTargets: results.images.map((i) => targetKeyOf(i.stableName)),
        seenOn: [ci.ref || 'this run', ci.pipelineUrl].filter(Boolean).join(', '),
      };
      outcomes.push(
        await deliverIssues({ stored, credentials: args.credentials, outputDir: args.outputDir, id: args.id, context }),
      );
    }
  }
  return outcomes;
}
