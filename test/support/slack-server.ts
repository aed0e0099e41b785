// A local stand-in for Slack's incoming webhooks: it enforces Slack's message limits and answers with its real
// error bodies (and 429 with Retry-After when told to).
import type { Listening } from './local-http.ts';
import { listen } from './local-http.ts';

export interface SlackFake extends Listening {
  /** The webhook path, as Slack issues them. */
  hook: string;
  messages: { text: string; blocks: Record<string, unknown>[] }[];
  /** Scripted answers for the next requests: status and body (and Retry-After). */
  answers: { status: number; body: string; retryAfter?: string }[];
}

/** Slack's documented limits: 50 blocks, 3000 characters in a section text, 150 in a header; text or blocks needed. */
function slackProblem(payload: { text?: unknown; blocks?: unknown }): string | undefined {
  if (typeof payload.text !== 'string' && !Array.isArray(payload.blocks)) return 'no_text';
  if (!Array.isArray(payload.blocks)) return undefined;
  if (payload.blocks.length > 50) return 'invalid_blocks';
  for (const block of payload.blocks as Record<string, unknown>[]) {
    const text = (block.text as { type?: string; text?: string } | undefined) ?? undefined;
    switch (block.type) {
      case 'header':
        if (text?.type !== 'plain_text' || !text.text || text.text.length > 150) return 'invalid_blocks';
        break;
      case 'section':
        if (!text?.text || text.text.length > 3000 || !['mrkdwn', 'plain_text'].includes(text.type ?? ''))
          return 'invalid_blocks';
        break;
      case 'divider':
        break;
      case 'context':
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 10)
          return 'invalid_blocks';
        break;
      default:
        return 'invalid_blocks';
    }
  }
  return undefined;
}

export async function startSlackFake(): Promise<SlackFake> {
  const hook = '/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX';
  const fake = { hook, messages: [] as SlackFake['messages'], answers: [] as SlackFake['answers'] };
  const server = await listen((req, body, res) => {
    const text = (status: number, answer: string, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(answer);
    if (req.method !== 'POST' || req.url !== hook) return text(404, 'no_service');
    const scripted = fake.answers.shift();
    if (scripted)
      return text(scripted.status, scripted.body, scripted.retryAfter ? { 'retry-after': scripted.retryAfter } : {});
    let payload: { text?: string; blocks?: Record<string, unknown>[] };
    try {
      payload = JSON.parse(body) as typeof payload;
    } catch {
      return text(400, 'invalid_payload');
    }
    const problem = slackProblem(payload);
    if (problem) return text(400, problem);
    fake.messages.push({ text: payload.text ?? '', blocks: payload.blocks ?? [] });
    return text(200, 'ok');
  });
  return Object.assign(fake, server);
}
