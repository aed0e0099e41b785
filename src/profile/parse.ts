import { Ajv, type ErrorObject } from 'ajv';
import yaml from 'js-yaml';
import { ConfigError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { closest } from '../core/suggest.js';
import type { ExploitationPolicy } from '../core/exploitation.js';
import type { IssuesNotify, NotifyConfig, SlackNotify } from '../core/notify.js';
import { normalizeDashes, normalizeVulnerabilityId, type ExceptionRule } from '../core/profile.js';
import { parseSeverity, type Severity } from '../core/severity.js';
import { BOOLEAN_WORDS, PROFILE_KEYS, profileSchema } from './schema.js';
import { describeSchemaError, yamlErrorText } from './profile-errors.js';

/** One file as written: only what it sets. */
export interface ProfileDocument {
  file: string;
  extends?: string;
  severity?: Severity;
  ignoreUnfixed?: boolean;
  maxExceptionDays?: number;
  notify?: NotifyConfig;
  exploitation?: Partial<ExploitationPolicy>;
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
  normalizeWords(doc);

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
    ...(toExploitation(doc) ? { exploitation: toExploitation(doc) } : {}),
    exceptions,
  };
}

type Json = Record<string, unknown>;

/**
 * Every problem of one file, not only the first: for `profiles lint`, where a reviewer fixes them in one go. One
 * line per key path (the most useful of what the schema says about it), and each bad date.
 */
export function profileProblems({ text, file }: { text: string; file: string }): string[] {
  let data: unknown;
  try {
    data = yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: file });
  } catch (err) {
    return [`${file}: ${yamlErrorText(err)}`];
  }
  if (data === undefined || data === null) return [];
  if (typeof data !== 'object' || Array.isArray(data)) {
    return [`${file}: a profile must be a mapping of keys (${PROFILE_KEYS.join(', ')})`];
  }
  const doc = data as Json;
  fixTypographicDashes(doc, file, silentLogger);
  normalizeWords(doc);
  const validate = compileValidator();
  const problems: string[] = [];
  if (!validate(doc)) {
    const byPath = new Map<string, ErrorObject[]>();
    for (const error of validate.errors ?? []) {
      byPath.set(error.instancePath, [...(byPath.get(error.instancePath) ?? []), error]);
    }
    for (const errors of byPath.values()) problems.push(`${file}: ${describeSchemaError(errors)}`);
    return problems;
  }
  for (const { entry, path } of [
    ...listEntries(doc.exceptions, 'exceptions'),
    ...listEntries(doc.whitelist, 'whitelist'),
  ]) {
    try {
      toRule(entry, `${file} ${path}`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
    }
  }
  return problems;
}

/** Whether a YAML file means to be a profile: a key of the format, or one a typo away from one (`severty`). */
export function looksLikeProfile(text: string): boolean {
  let data: unknown;
  try {
    data = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  } catch {
    return true;
  }
  if (data === undefined || data === null) return true;
  if (typeof data !== 'object' || Array.isArray(data)) return false;
  return Object.keys(data).some((key) => PROFILE_KEYS.includes(key) || closest(key, PROFILE_KEYS) !== undefined);
}

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

/** `kev`, `epss`, `eol_os` as this file sets them; the schema has checked them. */
function toExploitation(doc: Json): Partial<ExploitationPolicy> | undefined {
  const policy: Partial<ExploitationPolicy> = {
    ...(typeof doc.kev === 'string' ? { kev: doc.kev as ExploitationPolicy['kev'] } : {}),
    ...(typeof doc.epss === 'number' ? { epss: doc.epss } : {}),
    ...(typeof doc.eol_os === 'string' ? { eolOs: doc.eol_os as ExploitationPolicy['eolOs'] } : {}),
  };
  return Object.keys(policy).length > 0 ? policy : undefined;
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
    vexJustification: entry.vex_justification as ExceptionRule['vexJustification'],
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

/**
 * `severity: Critical` and `ignore_unfixed: yes` mean what the CLI's `--severity critical` and `--offline yes` mean:
 * read case-insensitively, as the option parsers do, before the schema checks them.
 */
function normalizeWords(doc: Record<string, unknown>): void {
  const upperSeverity = (record: Record<string, unknown>) => {
    const value = record.severity;
    if (typeof value === 'string' && parseSeverity(value) !== undefined) record.severity = parseSeverity(value);
  };
  upperSeverity(doc);
  const word = typeof doc.ignore_unfixed === 'string' ? doc.ignore_unfixed.trim().toLowerCase() : undefined;
  if (word !== undefined && word in BOOLEAN_WORDS) doc.ignore_unfixed = BOOLEAN_WORDS[word];
  for (const key of ['exceptions', 'whitelist']) {
    const list = doc[key];
    if (!Array.isArray(list)) continue;
    for (const entry of list) if (typeof entry === 'object' && entry !== null) upperSeverity(entry as Json);
  }
}

function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
