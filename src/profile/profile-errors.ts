import type { ErrorObject } from 'ajv';
import yaml from 'js-yaml';
import { oneLine, shorten } from '../core/text.js';
import { EXCEPTION_KEYS, PROFILE_KEYS, VEX_JUSTIFICATIONS } from './schema.js';

/** A profile's problems in the user's words: the key path and what is allowed, one line each. */

export function yamlErrorText(err: unknown): string {
  if (err instanceof yaml.YAMLException) {
    const where = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : '';
    return `YAML syntax error${where}: ${err.reason}`;
  }
  return `cannot read YAML: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * A value quoted in an error: short and one line, and never expanded whole (a YAML alias bomb in a note would
 * print hundreds of MB).
 */
function preview(value: unknown): string {
  let visited = 0;
  // The replacer stops descending after a few nodes, so an expanded alias bomb is never walked, let alone printed.
  const json = JSON.stringify(value, (_key, v: unknown) => (++visited > 40 ? undefined : v)) ?? String(value);
  return shorten(oneLine(json), 80);
}

/** `/exceptions/0/until` → `exceptions[0].until` */
function keyPath(instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

const PRIORITY = ['additionalProperties', 'type', 'enum', 'minLength', 'minimum', 'pattern', 'required', 'anyOf'];

/** The most useful of ajv's errors, as one line: the key path and what is allowed. */
export function describeSchemaError(errors: ErrorObject[]): string {
  const rank = (e: ErrorObject) => {
    const r = PRIORITY.indexOf(e.keyword);
    return r === -1 ? PRIORITY.length : r;
  };
  const error = [...errors].sort((a, b) => rank(a) - rank(b))[0];
  if (!error) return 'does not match the profile format';
  const path = keyPath(error.instancePath);
  const at = path === '' ? '' : `${path}: `;
  const inException = /^(exceptions|whitelist)\[\d+\]/.test(path);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = inException ? EXCEPTION_KEYS : PROFILE_KEYS;
      return `${at}unknown key '${key}'; allowed: ${allowed.join(', ')}`;
    }
    case 'enum': {
      if (/(^|\.)severity$/.test(path)) {
        return `${at}${preview(error.data)} is not a severity; allowed: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL`;
      }
      const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      return `${at}${preview(error.data)} is not allowed; allowed: ${allowed.map(String).join(', ')}`;
    }
    case 'pattern':
      if (path.endsWith('mention')) return `${at}must be <!subteam^ID>, <@U…>, <!here> or <!channel>`;
      if (path.endsWith('webhook_env')) return `${at}must be the name of an environment variable`;
      if (/labels\[\d+\]$/.test(path)) return `${at}a label must not contain spaces`;
      if (!path.endsWith('until')) return `${at}must not be blank`;
      return `${at}'${shorten(oneLine(String(error.data)), 60)}' is not a date; use YYYY-MM-DD`;
    case 'type': {
      if (path === 'ignore_unfixed')
        return `${at}${preview(error.data)} is not a boolean; allowed: true, false, yes, no`;
      if (path.endsWith('until')) return `${at}${preview(error.data)} is not a date; use YYYY-MM-DD (quoted or not)`;
      const expected = (error.params as { type: string }).type;
      const article = expected === 'array' ? 'a list' : expected === 'object' ? 'a mapping' : `a ${expected}`;
      return `${at}must be ${article}, got ${preview(error.data)}`;
    }
    case 'minLength':
      return `${at}must not be empty`;
    case 'minimum':
      return `${at}must be a whole number of at least 1, got ${preview(error.data)}`;
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      if (missing === 'id' || missing === 'name') return `${at}an exception needs 'id' (or its older name 'name')`;
      if (missing === 'vex_justification') {
        return `${at}vex_status not_affected needs 'vex_justification' (${VEX_JUSTIFICATIONS.join(', ')})`;
      }
      return `${at}an exception needs '${missing}' (why the finding is accepted)`;
    }
    case 'anyOf':
      return `${at}an exception needs 'id' (or its older name 'name')`;
    default:
      return `${at}${error.message ?? 'does not match the profile format'}`;
  }
}
