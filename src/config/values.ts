import { ConfigError } from '../core/errors.js';
import { parseSeverity, SEVERITIES, type Severity } from '../core/severity.js';

/**
 * Parsers for option values. `label` is what the user set: an input (`severity`), a flag (`--severity`) or a
 * variable (`VULNGATE_SEVERITY`); every error names it and what is allowed. Empty text means "not set".
 */
export function severityValue(label: string, value: string): Severity | undefined {
  if (value.trim() === '') return undefined;
  const severity = parseSeverity(value);
  if (!severity) throw new ConfigError(`${label}: '${value}' is not a severity; allowed: ${SEVERITIES.join(', ')}`);
  return severity;
}

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

export function booleanValue(label: string, value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw new ConfigError(`${label}: '${value}' is not a boolean; allowed: true, false`);
}

export function integerValue(label: string, value: string, range: { min: number; max: number }): number | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < range.min || Number(v) > range.max) {
    throw new ConfigError(`${label}: '${value}' must be a whole number from ${range.min} to ${range.max}`);
  }
  return Number(v);
}

export function choiceValue<T extends string>(label: string, value: string, choices: readonly T[]): T | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  if (!(choices as readonly string[]).includes(v)) {
    throw new ConfigError(`${label}: '${value}' is not allowed; allowed: ${choices.join(', ')}`);
  }
  return v as T;
}

/**
 * Newline- or comma-separated, as GitHub users write lists in `with:` and the help promises for flags; a comma inside
 * a glob's braces (`tar_images/{api,web}.tar`) belongs to the glob.
 */
export function listValue(value: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of value) {
    if (char === '{') depth += 1;
    else if (char === '}') depth = Math.max(0, depth - 1);
    if (char === '\n' || (char === ',' && depth === 0)) {
      items.push(current);
      current = '';
    } else current += char;
  }
  items.push(current);
  return items.map((s) => s.trim()).filter(Boolean);
}

export function urlValue(
  label: string,
  value: string,
  allowed: readonly string[] = ['https:', 'http:'],
): string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  // Credentials in a URL end up in logs, the spool and the artifact: refused, and the URL is not repeated.
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(v)) {
    throw new ConfigError(
      `${label}: a URL with a user or password in it is refused; give the token in its own setting`,
    );
  }
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(`${label}: '${v}' is not a URL`);
  }
  if (!allowed.includes(url.protocol)) throw new ConfigError(`${label}: '${v}' must use ${allowed.join(' or ')}`);
  return v;
}
