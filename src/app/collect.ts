import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { errorCode, ScanError } from '../core/errors.js';
import type { ImageReport } from '../core/finding.js';
import type { ImageError } from '../core/results.js';
import { nameWithoutExtension, parseTrivyReport } from '../core/trivy-report.js';

export interface Collected {
  reports: ImageReport[];
  errors: ImageError[];
}

/** Reads the given Trivy reports; each readable one is copied into reports/, as a scan writes its own there. */
export async function readReports(files: string[], reportsDir: string): Promise<Collected> {
  const collected: Collected = { reports: [], errors: [] };
  for (const [index, file] of files.entries()) {
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
    const report = addParsed(collected, { text, reportPath: file, fallbackName: file, source: file });
    if (!report) continue;
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
  args: { text: string; reportPath: string; fallbackName: string; source: string },
): ImageReport | undefined {
  try {
    const report = parseTrivyReport(args);
    const name = uniqueName(report.image, args.source, collected.reports);
    // Two tarballs or reports of one tag stay two images: the findings follow the image's new name.
    if (name !== report.image) {
      report.image = name;
      for (const f of report.findings) f.image = name;
    }
    collected.reports.push(report);
    return report;
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
    collected.errors.push({
      image: nameWithoutExtension(args.fallbackName),
      source: args.source,
      message: withoutSource(err.message, args.reportPath),
    });
    return undefined;
  }
}

/** Errors name their file for standalone use; in the results the file is its own field. */
export function withoutSource(message: string, source: string): string {
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
export async function findTarballs(patterns: string[]): Promise<string[]> {
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
