import { describeError } from '../core/errors.js';
import { HttpError, parseRetryAfter, retry, type RetryPolicy } from '../lib/retry.js';
import { redact } from './defectdojo.js';

/** What Slack's incoming webhooks answer, in words that say what to change. */
const SLACK_ERRORS: Record<string, string> = {
  invalid_blocks: 'Slack refused the message blocks (invalid_blocks)',
  invalid_payload: 'Slack could not read the message (invalid_payload)',
  no_text: 'Slack wants a text in the message (no_text)',
  no_service: 'the webhook is disabled or was removed in Slack (no_service); create a new one',
  no_team: 'the Slack workspace of the webhook is gone (no_team)',
  team_disabled: 'the Slack workspace is disabled (team_disabled)',
  channel_not_found: "the webhook's channel does not exist (channel_not_found)",
  channel_is_archived: "the webhook's channel is archived (channel_is_archived); point it at a live channel",
  action_prohibited: 'a Slack admin restricts posting to this channel (action_prohibited)',
  posting_to_general_channel_denied: 'only admins may post to #general (posting_to_general_channel_denied)',
  too_many_attachments: 'the message has too many attachments (too_many_attachments)',
};

/** https, or http to a loopback host (tests, local relays): the URL is a secret and is never printed. */
export function checkWebhookUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) return undefined;
  return 'must be https (plain http only for 127.0.0.1 and localhost)';
}

/** Posts one message; 429 waits as long as Slack says (Retry-After), 5xx and network errors are retried. */
export async function postToSlack(args: {
  url: string;
  payload: unknown;
  retry: RetryPolicy;
  timeoutMs: number;
}): Promise<void> {
  try {
    await retry(args.retry, async () => {
      const response = await fetch(args.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(args.payload),
        signal: AbortSignal.timeout(args.timeoutMs),
        redirect: 'manual',
      });
      const body = (await response.text()).trim();
      if (response.ok) return;
      const after = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      const known = SLACK_ERRORS[body];
      const message =
        response.status === 429
          ? 'Slack rate-limited the webhook (429) for longer than vulngate waits'
          : (known ?? `Slack answered ${response.status}: ${body.slice(0, 100) || 'no detail'}`);
      throw new HttpError(message, response.status, after);
    });
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new Error(`Slack did not answer: ${redact(describeError(err), [args.url])}`);
  }
}
