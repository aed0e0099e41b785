import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { exceptionEndsAt } from '../core/evaluate.js';
import { isGateError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { EXPIRING_SOON_DAYS, type ExceptionRule } from '../core/profile.js';
import { severityRank } from '../core/severity.js';
import { oneLine } from '../core/text.js';
import { loadChain } from './load.js';
import { looksLikeProfile, profileProblems } from './parse.js';

/** An exception as the lint lists it: where it is and what it says. */
export interface LintedException {
  origin: string;
  id: string;
  package?: string;
  until?: string;
  owner?: string;
  ticket?: string;
  note: string;
}

/** What `vulngate profiles lint` finds in a profiles repository. */
export interface LintReport {
  files: number;
  /** YAML files that are not profiles (docker-compose.yml, CI files): no key of the format, nor one a typo away. */
  skipped: string[];
  /** One line each: the file, the key path, what is allowed. */
  errors: string[];
  expired: LintedException[];
  expiringSoon: LintedException[];
  /** Exceptions that may cover HIGH or CRITICAL findings (no severity cap, or one of HIGH or above) without `until`. */
  withoutUntil: LintedException[];
  /** The same exception twice in one project's profile (itself or what it extends). */
  duplicates: { profile: string; id: string; origins: string[] }[];
}

const SKIP = new Set(['.git', 'node_modules']);
const DAY_MS = 86_400_000;

async function profileFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await profileFiles(full)));
    else if (/\.ya?ml$/.test(entry.name)) found.push(full);
  }
  return found.sort();
}

const listed = (rule: ExceptionRule): LintedException => ({
  origin: rule.origin,
  id: rule.id,
  package: rule.package,
  until: rule.until,
  owner: rule.owner,
  ticket: rule.ticket,
  note: rule.note,
});

/** Every profile of the directory, each with what it extends, checked as a run would; the exceptions reviewed. */
export async function lintProfiles(args: { dir: string; now: Date }): Promise<LintReport> {
  const { dir, now } = args;
  const report: LintReport = {
    files: 0,
    skipped: [],
    errors: [],
    expired: [],
    expiringSoon: [],
    withoutUntil: [],
    duplicates: [],
  };
  const seen = new Set<string>();
  const todayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const soon = todayStart + (EXPIRING_SOON_DAYS + 1) * DAY_MS;
  for (const file of await profileFiles(dir)) {
    const shown = path.relative(process.cwd(), file) || file;
    const text = await readFile(file, 'utf8');
    if (!looksLikeProfile(text)) {
      report.skipped.push(shown);
      continue;
    }
    report.files += 1;
    // Every problem of the file at once; then the chain (extends, max_exception_days) as a run reads it.
    const problems = profileProblems({ text, file: shown });
    if (problems.length > 0) {
      report.errors.push(...problems);
      continue;
    }
    let profile;
    try {
      profile = await loadChain({ file: shown, logger: silentLogger, now, root: dir });
    } catch (err) {
      if (!isGateError(err)) throw err;
      report.errors.push(err.message);
      continue;
    }
    const byKey = new Map<string, string[]>();
    for (const rule of profile.exceptions) {
      const key = JSON.stringify([rule.id, rule.package, rule.images, rule.paths]);
      byKey.set(key, [...(byKey.get(key) ?? []), rule.origin]);
      // An exception of a base profile is listed once, not once per project that extends it.
      if (seen.has(rule.origin)) continue;
      seen.add(rule.origin);
      if (rule.until !== undefined) {
        const ends = exceptionEndsAt(rule.until);
        if (ends <= now.getTime()) report.expired.push(listed(rule));
        else if (ends <= soon) report.expiringSoon.push(listed(rule));
      } else if (rule.severity === undefined || severityRank(rule.severity) >= severityRank('HIGH')) {
        report.withoutUntil.push(listed(rule));
      }
    }
    for (const [key, origins] of byKey) {
      if (origins.length > 1)
        report.duplicates.push({ profile: shown, id: (JSON.parse(key) as string[])[0] ?? '', origins });
    }
  }
  return report;
}

/** The report for people: one line each. */
export function lintText(report: LintReport): string {
  const rule = (e: LintedException) =>
    oneLine(
      `${e.origin}: ${e.id}${e.package ? ` in ${e.package}` : ''}${e.until ? ` until ${e.until}` : ''} — ${e.note}`,
    );
  const lines = [
    ...report.skipped.map((f) => `skipped (not a profile: no key of the format): ${f}`),
    ...report.errors.map((e) => `error: ${e}`),
    ...report.expired.map((e) => `expired: ${rule(e)}`),
    ...report.expiringSoon.map((e) => `expires within ${EXPIRING_SOON_DAYS} days: ${rule(e)}`),
    ...report.withoutUntil.map((e) => `no until (may cover HIGH/CRITICAL): ${rule(e)}`),
    ...report.duplicates.map((d) => `duplicate in ${d.profile}: ${d.id} at ${d.origins.join(' and ')}`),
  ];
  const summary =
    `${report.files} profile(s): ${report.errors.length} error(s), ${report.expired.length} expired, ` +
    `${report.expiringSoon.length} expiring soon, ${report.withoutUntil.length} without until, ` +
    `${report.duplicates.length} duplicate(s)`;
  return `${[...lines, summary].join('\n')}\n`;
}

/** 2: a profile is invalid (a run would stop); 1 with --strict: an exception has expired; else 0. */
export function lintExitCode(report: LintReport, strict: boolean): 0 | 1 | 2 {
  if (report.errors.length > 0) return 2;
  return strict && report.expired.length > 0 ? 1 : 0;
}
