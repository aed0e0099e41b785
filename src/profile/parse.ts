import { Ajv, type ErrorObject } from 'ajv';
import yaml from 'js-yaml';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { IssuesNotify, NotifyConfig, SlackNotify } from '../core/notify.js';
import { normalizeDashes, normalizeVulnerabilityId, type ExceptionRule } from '../core/profile.js';
import { parseSeverity, type Severity } from '../core/severity.js';
import { oneLine, shorten } from '../core/text.js';
import { EXCEPTION_KEYS, PROFILE_KEYS, profileSchema } from './schema.js';

/** One file as written: only what it sets. */
export interface ProfileDocument {
  file: string;
  extends?: string;
  severity?: Severity;
  ignoreUnfixed?: boolean;
  maxExceptionDays?: number;
  notify?: NotifyConfig;
  exceptions: ExceptionRule[];
}

/** Compiled per call: a run reads one to a few profiles, and a cache would be module state. */
function compileValidator() {
  return new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false }).compile(profileSchema);
}

export interface ParseProfileArgs {
  text: string;
  file: string;
  logger: Logger;
}

export function parseProfileDocument({ text, file, logger }: ParseProfileArgs): ProfileDocument {
  let data: unknown;
  try {
    // CORE_SCHEMA: no YAML timestamps (dates stay text), no custom tags; `True` is still a boolean.
    data = yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: file });
  } catch (err) {
    throw new ConfigError(`${file}: ${yamlErrorText(err)}`);
  }
  if (data === undefined || data === null) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`${file}: a profile must be a mapping of keys (${PROFILE_KEYS.join(', ')})`);
  }
  const doc = data as Record<string, unknown>;
  fixTypographicDashes(doc, file, logger);

  const validate = compileValidator();
  if (!validate(doc)) throw new ConfigError(`${file}: ${describeSchemaError(validate.errors ?? [])}`);

  const lists = [...listEntries(doc.exceptions, 'exceptions'), ...listEntries(doc.whitelist, 'whitelist')];
  const exceptions = lists.map(({ entry, path }) => toRule(entry, `${file} ${path}`));
  return {
    file,
    extends: typeof doc.extends === 'string' ? doc.extends : undefined,
    severity: parseSeverity(doc.severity),
    ignoreUnfixed: typeof doc.ignore_unfixed === 'boolean' ? doc.ignore_unfixed : undefined,
    maxExceptionDays: typeof doc.max_exception_days === 'number' ? doc.max_exception_days : undefined,
    notify: toNotify(doc.notify),
    exceptions,
  };
}

type Json = Record<string, unknown>;

/** The schema has checked the shape; this names it in the core's words. */
function toNotify(value: unknown): NotifyConfig | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { slack, issues } = value as { slack?: Json; issues?: Json };
  return {
    ...(slack
      ? {
          slack: {
            webhookEnv: slack.webhook_env as string,
            on: (slack.on as SlackNotify['on'] | undefined) ?? ['fail'],
            ...(typeof slack.mention === 'string' ? { mention: slack.mention } : {}),
          },
        }
      : {}),
    ...(issues
      ? {
          issues: {
            provider: issues.provider as IssuesNotify['provider'],
            on: ['blocking' as const],
            labels: (issues.labels as string[] | undefined) ?? [],
            assignees: (issues.assignees as string[] | undefined) ?? [],
            ...(typeof issues.project === 'string' ? { project: issues.project } : {}),
            anyBranch: issues.any_branch === true,
          },
        }
      : {}),
  };
}

function listEntries(value: unknown, key: string): { entry: Record<string, unknown>; path: string }[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry, i) => ({ entry: entry as Record<string, unknown>, path: `${key}[${i}]` }));
}

function toRule(entry: Record<string, unknown>, origin: string): ExceptionRule {
  const id = (entry.id ?? entry.name) as string;
  if (entry.id !== undefined && entry.name !== undefined && entry.id !== entry.name) {
    throw new ConfigError(`${origin}: has both 'id' and its older name 'name' with different values; keep one`);
  }
  const until = entry.until as string | undefined;
  if (until !== undefined && !isCalendarDate(until)) {
    throw new ConfigError(`${origin}.until: '${until}' is not a calendar date; use YYYY-MM-DD`);
  }
  return {
    id: normalizeVulnerabilityId(id),
    package: entry.package as string | undefined,
    severity: parseSeverity(entry.severity),
    images: entry.images as string[] | undefined,
    paths: entry.paths as string[] | undefined,
    vexStatus: entry.vex_status as ExceptionRule['vexStatus'],
    owner: entry.owner as string | undefined,
    ticket: entry.ticket as string | undefined,
    note: entry.note as string,
    until,
    origin,
  };
}

/** `CVE-2018–1000620` copied from a blog post means `CVE-2018-1000620`: fix it, but say so. */
function fixTypographicDashes(doc: Record<string, unknown>, file: string, logger: Logger): void {
  for (const key of ['exceptions', 'whitelist']) {
    const list = doc[key];
    if (!Array.isArray(list)) continue;
    list.forEach((entry: unknown, i) => {
      if (typeof entry !== 'object' || entry === null) return;
      const record = entry as Record<string, unknown>;
      for (const field of ['id', 'name', 'until']) {
        const value = record[field];
        if (typeof value !== 'string') continue;
        const fixed = normalizeDashes(value);
        if (fixed !== value) {
          logger.warning(`${file} ${key}[${i}].${field}: '${value}' has typographic dashes; read as '${fixed}'`);
          record[field] = fixed;
        }
      }
    });
  }
}

function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function yamlErrorText(err: unknown): string {
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
function describeSchemaError(errors: ErrorObject[]): string {
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
      return `${at}an exception needs '${missing}' (why the finding is accepted)`;
    }
    case 'anyOf':
      return `${at}an exception needs 'id' (or its older name 'name')`;
    default:
      return `${at}${error.message ?? 'does not match the profile format'}`;
  }
}
