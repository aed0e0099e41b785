import { ConfigError } from '../core/errors.js';
import { parseSeverity, SEVERITIES, type Severity } from '../core/severity.js';

/** `name` is what the user typed: an input (`severity`) or a flag (`--severity`). Every error names it. */
export function severityValue(name: string, value: string): Severity | undefined {
  if (value.trim() === '') return undefined;
  const severity = parseSeverity(value);
  if (!severity) throw new ConfigError(`${name}: '${value}' is not a severity; allowed: ${SEVERITIES.join(', ')}`);
  return severity;
}

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

export function booleanValue(name: string, value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw new ConfigError(`${name}: '${value}' is not a boolean; allowed: true, false`);
}

export function positiveIntValue(name: string, value: string): number | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new ConfigError(`${name}: '${value}' must be a whole number of at least 1`);
  return Number(v);
}

export function choiceValue<T extends string>(name: string, value: string, choices: readonly T[]): T | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  if (!(choices as readonly string[]).includes(v)) throw new ConfigError(`${name}: '${value}' is not allowed; allowed: ${choices.join(', ')}`);
  return v as T;
}

/** Newline- or comma-separated, as GitHub users write lists in `with:`. */
export function listValue(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function urlValue(name: string, value: string, allowed: readonly string[] = ['https:', 'http:']): string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(`${name}: '${v}' is not a URL`);
  }
  if (!allowed.includes(url.protocol)) throw new ConfigError(`${name}: '${v}' must use ${allowed.join(' or ')}`);
  return v;
}
