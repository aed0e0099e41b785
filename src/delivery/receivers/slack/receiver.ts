import { originOf } from '../../../lib/http.js';
import { DEFAULT_RETRY } from '../../../lib/retry.js';
import { renderSlackMessage, slackEvents, slackMessageData, type SlackMessageData } from '../../../render/slack.js';
import type { Receiver, SpoolEntry } from '../../receiver.js';
import { ENTRY_FIELDS, namesMoreThanWhat, unexpectedKeys } from '../../spool.js';
import { checkWebhookUrl, postToSlack } from './post.js';
import { slackDataProblem } from './data.js';

/**
 * What the message says, as data. Not the webhook's variable, the mention or the markup: the message is made again
 * from this when it is sent, with the sending job's profile (`notify.slack`), so a tampered spool can neither post
 * markup nor pick the variable (and so the webhook) a replay posts to.
 */
export interface SlackEntry extends SpoolEntry {
  sink: 'slack';
  message: SlackMessageData;
}

/** One Block Kit message when the run has one of the profile's events (`notify.slack.on`). */
export const slackReceiver: Receiver<SlackEntry> = {
  name: 'slack',
  stage: 'people',

  async plan(run, context) {
    const slack = run.notify?.slack;
    if (!slack) return undefined;
    const events = slackEvents(run.results, slack.on);
    if (events.length === 0) return undefined;
    const { ci } = run;
    const message = slackMessageData({
      results: run.results,
      events,
      where: [ci.repository, ci.ref].filter(Boolean).join(' @ ') || 'local run',
      runUrl: ci.pipelineUrl || undefined,
      artifactUrl: run.artifactUrl,
    });
    const createdAt = context.now.toISOString();
    return { entry: { version: 1, sink: 'slack', createdAt, reasons: [], message } };
  },

  async send(entry, to, context) {
    const slack = to.notify?.slack;
    if (!slack)
      return { status: 'skipped', message: "Slack: this job's profile has no notify.slack; nothing was posted" };
    const url = to.env[slack.webhookEnv];
    if (!url) {
      return {
        status: 'skipped',
        message: `Slack: ${slack.webhookEnv} (notify.slack.webhook_env) is not set; nothing was posted`,
      };
    }
    const bad = checkWebhookUrl(url);
    if (bad) return { status: 'failed', message: `Slack: the URL in ${slack.webhookEnv} ${bad}; nothing was posted` };
    // Links only to this job's own CI server: the run and the artifact are there.
    const payload = renderSlackMessage(entry.message, {
      mention: slack.mention,
      linkOrigin: originOf(to.ci.repositoryUrl) || undefined,
    });
    try {
      await postToSlack({
        url,
        payload,
        retry: context.retry ?? DEFAULT_RETRY,
        timeoutMs: context.timeoutMs ?? 30_000,
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { status: 'failed', message: `Slack: ${reason}`, left: { ...entry, reasons: [reason] } };
    }
    return { status: 'delivered', message: `Slack: posted to the webhook in ${slack.webhookEnv}` };
  },

  check(entry) {
    const extra = unexpectedKeys(entry, [...ENTRY_FIELDS, 'message']);
    if (extra.length > 0) return namesMoreThanWhat(extra);
    const problem = slackDataProblem(entry.message);
    return problem ? `a Slack entry whose message is not one vulngate writes (${problem})` : undefined;
  },

  // The URL is the secret: whatever of it (path, segments) a server echoes is redacted.
  secrets: (to) => [to.notify?.slack ? to.env[to.notify.slack.webhookEnv] : undefined],
};
