import { ConfigError } from '../core/errors.js';
import { listValue } from './values.js';

/** Set by vulngate on every message, for routing. */
export const RESERVED_ATTRIBUTES = ['type', 'severity', 'decision'];

/** `{"team":"payments"}` or `team=payments` lines; at most 7 (SQS allows 10 per message, vulngate sets 3). */
export function parseMessageAttributes(text: string, label: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let pairs: [string, unknown][];
  if (trimmed.startsWith('{')) {
    try {
      pairs = Object.entries(JSON.parse(trimmed) as Record<string, unknown>);
    } catch {
      throw new ConfigError(`${label}: not valid JSON; give a JSON object or name=value lines`);
    }
  } else {
    pairs = listValue(trimmed).map((line) => {
      const eq = line.indexOf('=');
      if (eq < 1) throw new ConfigError(`${label}: '${line}' is not name=value`);
      return [line.slice(0, eq).trim(), line.slice(eq + 1).trim()];
    });
  }
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) {
    if (
      !/^[A-Za-z0-9_.-]{1,256}$/.test(name) ||
      /^(aws\.|amazon\.)/i.test(name) ||
      name.startsWith('.') ||
      name.endsWith('.')
    ) {
      throw new ConfigError(
        `${label}: '${name}' is not an SQS attribute name (letters, digits, _ - ., not starting with AWS. or Amazon.)`,
      );
    }
    if (RESERVED_ATTRIBUTES.includes(name))
      throw new ConfigError(`${label}: '${name}' is set by vulngate; choose another name`);
    if (typeof value !== 'string' || value === '')
      throw new ConfigError(`${label}: '${name}' needs a non-empty string value`);
    out[name] = value;
  }
  if (Object.keys(out).length > 7) {
    throw new ConfigError(
      `${label}: at most 7 (SQS allows 10 per message and vulngate sets type, severity and decision)`,
    );
  }
  return out;
}
