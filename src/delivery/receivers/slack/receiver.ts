import { DEFAULT_RETRY } from '../../../lib/retry.js';
import { renderSlackMessage, slackEvents } from '../../../render/slack.js';
import type { Receiver, SpoolEntry } from '../../receiver.js';
import { ENTRY_FIELDS, namesMoreThanWhat, unexpectedKeys } from '../../spool.js';
import { checkWebhookUrl, postToSlack } from './post.js';

/** The message, and the name of the variable that holds the webhook URL (the URL is a secret, never written). */
export interface SlackEntry extends SpoolEntry {
  sink: 'slack';
  webhookEnv: string;
  payload: unknown;
}

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
    const payload = renderSlackMessage({
      results: run.results,
      events,
      where: [ci.repository, ci.ref].filter(Boolean).join(' @ ') || 'local run',
      mention: slack.mention,
      runUrl: ci.pipelineUrl || undefined,
      artifactUrl: run.artifactUrl,
    });
    const createdAt = context.now.toISOString();
    return { entry: { version: 1, sink: 'slack', createdAt, reasons: [], webhookEnv: slack.webhookEnv, payload } };
  },

  async send(entry, to, context) {
    const url = to.env[entry.webhookEnv];
    if (!url) {
      return {
        status: 'skipped',
        message: `Slack: ${entry.webhookEnv} (notify.slack.webhook_env) is not set; nothing was posted`,
      };
    }
    const bad = checkWebhookUrl(url);
    if (bad) return { status: 'failed', message: `Slack: the URL in ${entry.webhookEnv} ${bad}; nothing was posted` };
    try {
      await postToSlack({
        url,
        payload: entry.payload,
        retry: context.retry ?? DEFAULT_RETRY,
        timeoutMs: context.timeoutMs ?? 30_000,
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { status: 'failed', message: `Slack: ${reason}`, left: { ...entry, reasons: [reason] } };
    }
    return { status: 'delivered', message: `Slack: posted to the webhook in ${entry.webhookEnv}` };
  },

  check(entry) {
    const extra = unexpectedKeys(entry, [...ENTRY_FIELDS, 'webhookEnv', 'payload']);
    if (extra.length > 0) return namesMoreThanWhat(extra);
    return typeof entry.webhookEnv === 'string' && VARIABLE.test(entry.webhookEnv) && entry.payload
      ? undefined
      : 'a Slack entry without its message or variable name';
  },

  // The URL is the secret: whatever of it (path, segments) a server echoes is redacted.
  secrets: (to, entry) => [to.env[entry.webhookEnv]],
};
