import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ForwardMessage } from './messages.js';
import type { DefectDojoSettings } from './defectdojo.js';

export const UNDELIVERED_DIR = 'undelivered';

/** Everything about a DefectDojo import except the token, which is never written to disk. */
export type StoredDefectDojoSettings = Omit<DefectDojoSettings, 'token' | 'retry' | 'timeoutMs'>;

export type UndeliveredEntry =
  | { version: 1; sink: 'sqs'; queueUrl: string; createdAt: string; reasons: string[]; messages: ForwardMessage[] }
  | {
      version: 1;
      sink: 'defectdojo';
      createdAt: string;
      reasons: string[];
      settings: StoredDefectDojoSettings;
      uploads: { image: string; reportFile: string }[];
    };

export interface StoredEntry {
  file: string;
  entry: UndeliveredEntry;
}

/** Writes one undelivered batch as <outputDir>/undelivered/<sink>-<id>.json (DefectDojo reports beside it). */
export async function writeUndelivered(args: {
  outputDir: string;
  id: string;
  entry: UndeliveredEntry;
  reports?: { reportFile: string; text: string }[];
}): Promise<string> {
  const dir = path.join(args.outputDir, UNDELIVERED_DIR);
  await mkdir(dir, { recursive: true });
  for (const report of args.reports ?? []) {
    await mkdir(path.dirname(path.join(dir, report.reportFile)), { recursive: true });
    await writeFile(path.join(dir, report.reportFile), report.text);
  }
  const file = path.join(dir, `${args.entry.sink}-${args.id}.json`);
  await writeFile(file, `${JSON.stringify(args.entry, null, 2)}\n`);
  return file;
}

export async function readUndelivered(fromDir: string): Promise<StoredEntry[]> {
  const dir = path.join(fromDir, UNDELIVERED_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^(sqs|defectdojo)-.+\.json$/.test(n)).sort();
  } catch {
    return [];
  }
  const entries: StoredEntry[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    entries.push({ file, entry: JSON.parse(await readFile(file, 'utf8')) as UndeliveredEntry });
  }
  return entries;
}

export async function removeUndelivered(stored: StoredEntry): Promise<void> {
  if (stored.entry.sink === 'defectdojo') {
    for (const upload of stored.entry.uploads)
      await rm(path.join(path.dirname(stored.file), upload.reportFile), { force: true });
  }
  await rm(stored.file, { force: true });
}
