import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorCode, ScanError } from '../core/errors.js';
import type { ImageReport, TargetKind } from '../core/finding.js';
import type { DbInfo, ImageError, RunWarning } from '../core/results.js';
import { nameWithoutExtension, parseTrivyReport } from '../core/trivy-report.js';
import { targetName } from './targets.js';

export interface Collected {
  reports: ImageReport[];
  errors: ImageError[];
  /** When vulngate scanned: the DBs that judged the findings. */
  databases?: { trivyDb?: DbInfo; javaDb?: DbInfo };
  /** What the record and summary must say besides the log (a stale DB). */
  warnings?: RunWarning[];
}

/**
 * Reads the given Trivy reports; each readable one is copied into reports/, as a scan writes its own there. A code
 * directory's report names it as Trivy was given it (often absolute): inside the workspace it is named relative to
 * it, as `scan --fs` names it.
 */
export async function readReports(files: string[], reportsDir: string, workspace: string): Promise<Collected> {
  const collected: Collected = { reports: [], errors: [] };
  for (const [index, file] of files.entries()) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      collected.errors.push({
        image: nameWithoutExtension(file),
        kind: 'image',
        source: file,
        message: `cannot read the report (${errorCode(err)})`,
      });
      continue;
    }
    const report = addParsed(collected, { text, reportPath: file, fallbackName: file, source: file });
    if (!report) continue;
    if (report.kind !== 'image') rename(report, targetName({ kind: report.kind, path: report.image }, workspace));
    report.reportPath = path.join(
      reportsDir,
      `${String(index + 1).padStart(3, '0')}-${nameWithoutExtension(file)}.json`,
    );
    await writeFile(report.reportPath, text);
  }
  return collected;
}

export function addParsed(
  collected: Collected,
  args: { text: string; reportPath: string; fallbackName: string; source: string; kind?: TargetKind; name?: string },
): ImageReport | undefined {
  try {
    const report = parseTrivyReport(args);
    report.source = args.source;
    // Two tarballs or reports of one tag stay two images: the findings follow the image's new name.
    rename(report, uniqueName(report.image, args.source, collected.reports));
    collected.reports.push(report);
    return report;
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
    collected.errors.push({
      image: args.name ?? nameWithoutExtension(args.fallbackName),
      kind: args.kind ?? 'image',
      source: args.source,
      message: withoutSource(err.message, args.reportPath),
    });
    return undefined;
  }
}

function rename(report: ImageReport, name: string): void {
  if (name === report.image) return;
  report.image = name;
  for (const f of report.findings) f.image = name;
}

/** Errors name their file for standalone use; in the results the file is its own field. */
export function withoutSource(message: string, source: string): string {
  return message.startsWith(`${source}: `) ? message.slice(source.length + 2) : message;
}

/**
 * Two tarballs of one tag stay two images in every output: the second is named with its file, and where the file's
 * name is taken too (three directories each with app.tar), with its path.
 */
function uniqueName(name: string, source: string, existing: ImageReport[]): string {
  const taken = (candidate: string) => existing.some((r) => r.image === candidate);
  for (const candidate of [name, `${name} (${path.basename(source)})`, `${name} (${source})`]) {
    if (!taken(candidate)) return candidate;
  }
  let n = 2;
  while (taken(`${name} (${source} #${n})`)) n += 1;
  return `${name} (${source} #${n})`;
}
