import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { glob } from 'tinyglobby';
import { ConfigError, describeError, errorCode, isGateError, ScanError } from '../core/errors.js';
import type { ImageReport } from '../core/finding.js';
import type { Logger } from '../core/logger.js';
import type { ImageError } from '../core/results.js';
import { nameWithoutExtension, parseTrivyReport } from '../core/trivy-report.js';
import type { ImageScanner } from '../trivy/scanner.js';

export interface Collected {
  reports: ImageReport[];
  errors: ImageError[];
}

export async function readReports(files: string[]): Promise<Collected> {
  const collected: Collected = { reports: [], errors: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      collected.errors.push({
        image: nameWithoutExtension(file),
        source: file,
        message: `cannot read the report (${errorCode(err)})`,
      });
      continue;
    }
    addParsed(collected, { text, reportPath: file, fallbackName: file, source: file });
  }
  return collected;
}

function addParsed(
  collected: Collected,
  args: { text: string; reportPath: string; fallbackName: string; source: string },
): void {
  try {
    const report = parseTrivyReport(args);
    report.image = uniqueName(report.image, args.source, collected.reports);
    collected.reports.push(report);
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
    collected.errors.push({
      image: nameWithoutExtension(args.fallbackName),
      source: args.source,
      message: withoutSource(err.message, args.reportPath),
    });
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
    const matches = await glob(pattern, {
      onlyFiles: false,
      expandDirectories: false,
      absolute: path.isAbsolute(pattern),
    });
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

export interface ScanArgs {
  patterns: string[];
  parallel: number;
  createScanner: () => Promise<ImageScanner>;
  logger: Logger;
  reportsDir: string;
}

export async function scanTarballs({
  patterns,
  parallel,
  createScanner,
  logger,
  reportsDir,
}: ScanArgs): Promise<Collected> {
  const tarballs = await findTarballs(patterns);
  if (tarballs.length === 0) {
    throw new ConfigError(
      `images: no file matches ${patterns.map((p) => `'${p}'`).join(', ')} (expected image tarballs from docker save)`,
    );
  }
  const scanner = await createScanner();
  await scanner.prepare();
  logger.info(`Scanning ${tarballs.length} image tarball(s), ${parallel} at a time`);
  const limit = pLimit(parallel);
  const outcomes = await Promise.all(
    tarballs.map((tarball, index) =>
      limit(async () => {
        const reportPath = path.join(
          reportsDir,
          `${String(index + 1).padStart(3, '0')}-${nameWithoutExtension(tarball)}.json`,
        );
        const started = Date.now();
        try {
          await scanner.scan({ tarball, reportPath });
          logger.info(`Scanned ${tarball} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
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
      collected.errors.push({
        image: nameWithoutExtension(outcome.tarball),
        source: outcome.tarball,
        message: outcome.error,
      });
    } else if ('text' in outcome) {
      addParsed(collected, {
        text: outcome.text,
        reportPath: outcome.reportPath,
        fallbackName: outcome.tarball,
        source: outcome.tarball,
      });
    }
  }
  return collected;
}
