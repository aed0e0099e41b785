import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { glob } from 'tinyglobby';
import { ConfigError, ExitCode, ScanError, describeError, isGateError } from './core/errors.js';
import { evaluate } from './core/evaluate.js';
import type { ImageReport } from './core/finding.js';
import type { Logger } from './core/logger.js';
import { buildResults, type GateResults, type ImageError } from './core/results.js';
import { nameWithoutExtension, parseTrivyReport } from './core/trivy-report.js';
import { reportExceptionHealth } from './core/exception-health.js';
import { loadProfile, type ProfileOverrides } from './profile/load.js';
import { renderSummary } from './render/summary.js';
import type { ImageScanner } from './trivy/scanner.js';

export type GateSource = { kind: 'scan'; images: string[] } | { kind: 'reports'; reports: string[] };

export interface GateOptions {
  source: GateSource;
  profile?: string;
  profilesDir: string;
  overrides: ProfileOverrides;
  outputDir: string;
  failOnFindings: boolean;
  /** Images scanned at once. */
  parallel: number;
}

export interface GateContext {
  logger: Logger;
  now: () => Date;
  toolVersion: string;
  /** Built lazily: evaluating existing reports needs no Trivy. */
  createScanner: () => Promise<ImageScanner>;
}

export interface GateFiles {
  results: string;
  summary: string;
  reportsDir: string;
}

export interface GateOutcome {
  results: GateResults;
  exitCode: ExitCode;
  files: GateFiles;
  summaryMarkdown: string;
  /** Raw Trivy reports that were read, for the artifact and forwarders. */
  reports: ImageReport[];
}

export const RESULTS_FILE = 'vulngate-results.json';
export const SUMMARY_FILE = 'summary.md';

/** Profile → reports (scanned or given) → verdict → files. Config errors throw before anything runs. */
export async function runGate(options: GateOptions, context: GateContext): Promise<GateOutcome> {
  const { logger } = context;
  const profile = await loadProfile({
    profile: options.profile,
    profilesDir: options.profilesDir,
    overrides: options.overrides,
    logger,
  });
  logger.info(`Profile ${profile.source}: severity ${profile.severity}, ignore_unfixed ${profile.ignoreUnfixed}, ${profile.exceptions.length} exception(s)`);

  const files: GateFiles = {
    results: path.join(options.outputDir, RESULTS_FILE),
    summary: path.join(options.outputDir, SUMMARY_FILE),
    reportsDir: path.join(options.outputDir, 'reports'),
  };
  await mkdir(files.reportsDir, { recursive: true });

  const collected =
    options.source.kind === 'scan'
      ? await scanTarballs({ patterns: options.source.images, options, context, reportsDir: files.reportsDir })
      : await readReports(options.source.reports);

  const now = context.now();
  const evaluation = evaluate({ images: collected.reports, profile, now });
  const results = buildResults({
    evaluation,
    images: collected.reports,
    errors: collected.errors,
    profile,
    now,
    toolVersion: context.toolVersion,
  });
  reportExceptionHealth({ results, logger });
  for (const error of collected.errors) logger.error(`${error.source}: ${error.message}`);

  const notes = results.verdict === 'fail' && !options.failOnFindings ? ['fail-on-findings is off: this run reports the findings without failing.'] : [];
  const summaryMarkdown = renderSummary({ results, notes });
  await writeFile(files.results, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(files.summary, summaryMarkdown);

  return { results, exitCode: exitCodeFor(results, options.failOnFindings), files, summaryMarkdown, reports: collected.reports };
}

export function exitCodeFor(results: GateResults, failOnFindings: boolean): ExitCode {
  // An image that was not scanned cannot pass: a scanner error outranks the verdict.
  if (results.errors.length > 0) return ExitCode.Scanner;
  if (results.verdict === 'fail' && failOnFindings) return ExitCode.PolicyFailed;
  return ExitCode.Pass;
}

interface Collected {
  reports: ImageReport[];
  errors: ImageError[];
}

async function readReports(files: string[]): Promise<Collected> {
  const collected: Collected = { reports: [], errors: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? describeError(err);
      collected.errors.push({ image: nameWithoutExtension(file), source: file, message: `cannot read the report (${code})` });
      continue;
    }
    addParsed(collected, { text, reportPath: file, fallbackName: file, source: file });
  }
  return collected;
}

function addParsed(collected: Collected, args: { text: string; reportPath: string; fallbackName: string; source: string }): void {
  try {
    const report = parseTrivyReport(args);
    report.image = uniqueName(report.image, args.source, collected.reports);
    collected.reports.push(report);
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
    collected.errors.push({ image: nameWithoutExtension(args.fallbackName), source: args.source, message: withoutSource(err.message, args.reportPath) });
  }
}

/** Errors name their file for standalone use; in the results the file is its own field. */
function withoutSource(message: string, source: string): string {
  return message.startsWith(`${source}: `) ? message.slice(source.length + 2) : message;
}

/** Two tarballs of one tag stay two images in every output. */
function uniqueName(name: string, source: string, existing: ImageReport[]): string {
  if (!existing.some((r) => r.image === name)) return name;
  return `${name} (${path.basename(source)})`;
}

/**
 * Image tarballs, and OCI image layout directories (they hold index.json); sorted, without duplicates.
 * An absolute pattern gives absolute paths, a relative one relative paths.
 */
async function findTarballs(patterns: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const matches = await glob(pattern, { onlyFiles: false, expandDirectories: false, absolute: path.isAbsolute(pattern) });
    for (const match of matches) {
      const entry = match.replace(/\/$/, '');
      const info = await stat(entry);
      if (info.isFile() || (info.isDirectory() && (await isOciLayout(entry)))) found.add(entry);
    }
  }
  return [...found].sort();
}

async function isOciLayout(dir: string): Promise<boolean> {
  try {
    return (await stat(path.join(dir, 'index.json'))).isFile();
  } catch {
    return false;
  }
}

interface ScanArgs {
  patterns: string[];
  options: GateOptions;
  context: GateContext;
  reportsDir: string;
}

async function scanTarballs({ patterns, options, context, reportsDir }: ScanArgs): Promise<Collected> {
  const tarballs = await findTarballs(patterns);
  if (tarballs.length === 0) {
    throw new ConfigError(`images: no file matches ${patterns.map((p) => `'${p}'`).join(', ')} (expected image tarballs from docker save)`);
  }
  const scanner = await context.createScanner();
  await scanner.prepare();
  context.logger.info(`Scanning ${tarballs.length} image tarball(s), ${options.parallel} at a time`);
  const limit = pLimit(options.parallel);
  const outcomes = await Promise.all(
    tarballs.map((tarball, index) =>
      limit(async () => {
        const reportPath = path.join(reportsDir, `${String(index + 1).padStart(3, '0')}-${nameWithoutExtension(tarball)}.json`);
        const started = Date.now();
        try {
          await scanner.scan({ tarball, reportPath });
          context.logger.info(`Scanned ${tarball} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          return { tarball, reportPath, text: await readFile(reportPath, 'utf8') };
        } catch (err) {
          if (isGateError(err)) return { tarball, error: withoutSource(err.message, tarball) };
          return { tarball, error: `scanner failed: ${describeError(err)}` };
        }
      }),
    ),
  );
  // Kept in tarball order so outputs do not depend on which scan finished first.
  const collected: Collected = { reports: [], errors: [] };
  for (const outcome of outcomes) {
    if ('error' in outcome && outcome.error !== undefined) {
      collected.errors.push({ image: nameWithoutExtension(outcome.tarball), source: outcome.tarball, message: outcome.error });
    } else if ('text' in outcome) {
      addParsed(collected, { text: outcome.text, reportPath: outcome.reportPath, fallbackName: outcome.tarball, source: outcome.tarball });
    }
  }
  return collected;
}
