import { httpClient, type HttpFailure } from '../../../lib/http.js';
import type { RetryPolicy } from '../../../lib/retry.js';

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

/** Slack's answer in words that say what to change; a redirect is not followed (the message would go elsewhere). */
function describe({ status, body }: HttpFailure): string {
  const text = body.trim();
  if (status === 429) return 'Slack rate-limited the webhook (429) for longer than vulngate waits';
  return SLACK_ERRORS[text] ?? `Slack answered ${status}: ${text.slice(0, 100) || 'no detail'}`;
}

/**
 * Posts one message; 429 waits as long as Slack says (Retry-After), 5xx and network errors are retried. The URL is
 * the secret: whatever of it Slack (or a proxy) echoes is redacted.
 */
export async function postToSlack(args: {
  url: string;
  payload: unknown;
  retry: RetryPolicy;
  timeoutMs: number;
}): Promise<void> {
  const http = httpClient({ service: 'Slack', secrets: [args.url], retry: args.retry, timeoutMs: args.timeoutMs });
  await http.send({ method: 'POST', url: args.url, json: args.payload, describe });
}
