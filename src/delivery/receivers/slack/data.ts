import { SLACK_EVENTS } from '../../../core/notify.js';
import { SLACK_LIMITS } from '../../../render/slack.js';

/**
 * A spooled Slack message read back: every field of the type it should be, nothing more. It is rendered with
 * everything escaped whatever it holds; this keeps a tampered entry from failing halfway or growing past Slack's
 * limits.
 */
type Shape = 'string' | 'number' | readonly [Shape] | { readonly [key: string]: Shape };

const LINE: Shape = {
  id: 'string',
  severity: 'string',
  package: 'string',
  installedVersion: 'string',
  fixedVersion: 'string',
  where: 'string',
};

const MESSAGE: Record<string, Shape> = {
  verdict: 'string',
  events: ['string'],
  where: 'string',
  blocking: 'number',
  counts: [{ name: 'string', blocking: 'number', excepted: 'number', unfixed: 'number', belowThreshold: 'number' }],
  top: [LINE],
  topTotal: 'number',
  fresh: [LINE],
  expired: [{ id: 'string', origin: 'string', until: 'string', note: 'string' }],
};

/** Why the value does not have the shape, naming where; undefined when it does. */
function problemOf(value: unknown, shape: Shape, at: string): string | undefined {
  if (shape === 'string' || shape === 'number') {
    return typeof value === shape && (shape === 'string' || Number.isFinite(value))
      ? undefined
      : `${at} is not a ${shape}`;
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return `${at} is not a list`;
    for (const [i, item] of value.entries()) {
      const problem = problemOf(item, shape[0] as Shape, `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${at} is not an object`;
  const fields = shape as Record<string, Shape>;
  const extra = Object.keys(value).find((key) => !(key in fields));
  if (extra) return `${at}.${extra} is not a field of it`;
  for (const [key, inner] of Object.entries(fields)) {
    const problem = problemOf((value as Record<string, unknown>)[key], inner, `${at}.${key}`);
    if (problem) return problem;
  }
  return undefined;
}

export function slackDataProblem(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return 'no message';
  const record = message as Record<string, unknown>;
  const { runUrl, artifactUrl, ...rest } = record;
  for (const [key, value] of Object.entries({ runUrl, artifactUrl })) {
    if (value !== undefined && typeof value !== 'string') return `message.${key} is not a string`;
  }
  const problem = problemOf(rest, MESSAGE, 'message');
  if (problem) return problem;
  if ((record.events as string[]).some((e) => !(SLACK_EVENTS as readonly string[]).includes(e)))
    return 'message.events names an event vulngate does not post for';
  if ((record.top as unknown[]).length > SLACK_LIMITS.topFindings) return 'message.top is longer than vulngate writes';
  return undefined;
}
