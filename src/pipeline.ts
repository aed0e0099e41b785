import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { glob } from 'tinyglobby';
import { ConfigError, ExitCode, ScanError, describeError, isGateError } from './core/errors.js';
import { evaluate, type JudgedFinding } from './core/evaluate.js';
import type { ImageReport } from './core/finding.js';
import type { Logger } from './core/logger.js';
import { buildResults, type GateResults, type ImageError } from './core/results.js';
import { nameWithoutExtension, parseTrivyReport } from './core/trivy-report.js';
import { reportExceptionHealth } from './core/exception-health.js';
import { loadProfile, type ProfileOverrides } from './profile/load.js';
import { renderGitlabReport } from './render/gitlab.js';
import { dockerfileFromLine, renderSarif } from './render/sarif.js';
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
  sarif: { include: 'all' | 'blocking'; dockerfile?: string };
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
  sarif: string;
  gitlab: string;
}

export interface GateOutcome {
  results: GateResults;
  exitCode: ExitCode;
  files: GateFiles;
  summaryMarkdown: string;
  /** Raw Trivy reports that were read, for the artifact and forwarders. */
  reports: ImageReport[];
  /** Every finding with its decision, as the renderers and forwarders need them. */
  findings: JudgedFinding[];
  /** What GitHub's SARIF limits made vulngate leave out of vulngate.sarif. */
  sarifOmitted: { results: number; runs: number };
}

export const RESULTS_FILE = 'vulngate-results.json';
export const SUMMARY_FILE = 'summary.md';
export const SARIF_FILE = 'vulngate.sarif';
export const GITLAB_FILE = 'gl-container-scanning-report.json';

/** Profile → reports (scanned or given) → verdict → files. Config errors throw before anything runs. */
export async function runGate(options: GateOptions, context: GateContext): Promise<GateOutcome> {
  const { logger } = context;
  const startedAt = context.now();
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
    sarif: path.join(options.outputDir, SARIF_FILE),
    gitlab: path.join(options.outputDir, GITLAB_FILE),
  };
  const dockerfile = options.sarif.dockerfile ? await readDockerfile(options.sarif.dockerfile) : undefined;
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

  const sarif = renderSarif({ results, findings: evaluation.findings, include: options.sarif.include, dockerfile });
  const osByImage = new Map(collected.reports.map((r) => [r.image, r.os ? `${r.os.family} ${r.os.name}`.trim() : '']));
  const gitlab = renderGitlabReport({ results, findings: evaluation.findings, osByImage, startedAt, finishedAt: context.now() });

  const notes: string[] = [];
  if (results.verdict === 'fail' && !options.failOnFindings) notes.push('fail-on-findings is off: this run reports the findings without failing.');
  if (sarif.omitted.results > 0 || sarif.omitted.runs > 0) {
    notes.push(
      `GitHub's SARIF limits: ${sarif.omitted.results} finding(s) and ${sarif.omitted.runs} image(s) were left out of ${SARIF_FILE} (blocking findings kept first); all are in ${RESULTS_FILE}.`,
    );
  }
  const summaryMarkdown = renderSummary({ results, notes });
  await writeFile(files.results, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(files.summary, summaryMarkdown);
  await writeFile(files.sarif, `${JSON.stringify(sarif.sarif, null, 2)}\n`);
  await writeFile(files.gitlab, `${JSON.stringify(gitlab, null, 2)}\n`);

  return {
    results,
    exitCode: exitCodeFor(results, options.failOnFindings),
    files,
    summaryMarkdown,
    reports: collected.reports,
    findings: evaluation.findings,
    sarifOmitted: sarif.omitted,
  };
}

async function readDockerfile(file: string): Promise<{ path: string; fromLine: number }> {
  try {
    return { path: file.replace(/^\.\//, ''), fromLine: dockerfileFromLine(await readFile(file, 'utf8')) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? describeError(err);
    throw new ConfigError(`dockerfile: cannot read '${file}' (${code})`);
  }
}

export function exitCodeFor(results: GateResults, failOnFindings: boolean): ExitCode {
  // An image that was not scanned cannot pass: a scanner error outranks the verdict.
  if (results.errors.length > 0) return ExitCode.Scanner;
  if (results.verdict === 'fail' && failOnFindings) return ExitCode.PolicyFailed;
  return ExitCode.Pass;
}

/** Forwarding problems fail the run only with forward-failure: fail, and never hide a failed verdict. */
export function finalExitCode(args: { gate: ExitCode; forwardFailed: boolean; forwardFailure: 'warn' | 'fail' }): ExitCode {
  if (args.gate === ExitCode.Pass && args.forwardFailed && args.forwardFailure === 'fail') return ExitCode.Scanner;
  return args.gate;
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
