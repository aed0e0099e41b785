import type { TargetKind } from '../core/finding.js';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, errorCode } from '../core/errors.js';
import type { ForwardMessage } from './messages.js';
import type { DefectDojoSettings } from './defectdojo.js';
import type { StoredIssueSync } from './notify.js';

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
      /** `kind` since code directories are scanned; entries written before it are images. */
      uploads: { image: string; identity?: string; kind?: TargetKind; reportFile: string }[];
    }
  /** The webhook URL is a secret: only the name of the variable that holds it is kept. */
  | { version: 1; sink: 'slack'; createdAt: string; reasons: string[]; webhookEnv: string; payload: unknown }
  | { version: 1; sink: 'issues'; createdAt: string; reasons: string[]; sync: StoredIssueSync };

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

/** A spool entry that could not be used: reported, skipped, and left where it is. */
export interface BadEntry {
  file: string;
  reason: string;
}

/**
 * A file the entry names, inside the spool directory or nothing: the spool is in the audit artifact, and anyone who
 * can change an artifact must not make `vulngate forward` upload or delete files elsewhere.
 */
export function spoolPath(spoolDir: string, reference: unknown): string | undefined {
  if (typeof reference !== 'string' || reference === '' || path.isAbsolute(reference)) return undefined;
  const resolved = path.resolve(spoolDir, reference);
  const root = path.resolve(spoolDir);
  return resolved.startsWith(`${root}${path.sep}`) ? resolved : undefined;
}

function checkEntry(entry: unknown, dir: string): string | undefined {
  const e = entry as Partial<UndeliveredEntry> | null;
  if (typeof e !== 'object' || e === null || e.version !== 1) return 'not a vulngate spool entry (version 1)';
  if (e.sink === 'sqs') {
    return Array.isArray(e.messages) && typeof e.queueUrl === 'string' ? undefined : 'an SQS entry without messages';
  }
  if (e.sink === 'defectdojo') {
    if (!Array.isArray(e.uploads) || typeof e.settings !== 'object') return 'a DefectDojo entry without uploads';
    const outside = e.uploads.find((u) => spoolPath(dir, (u as { reportFile?: unknown }).reportFile) === undefined);
    return outside ? 'it names a report file outside the spool directory' : undefined;
  }
  if (e.sink === 'slack') {
    return typeof e.webhookEnv === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(e.webhookEnv) && e.payload
      ? undefined
      : 'a Slack entry without its message or variable name';
  }
  if (e.sink === 'issues') {
    const sync = e.sync as Partial<StoredIssueSync> | undefined;
    return sync && Array.isArray(sync.specs) && Array.isArray(sync.scannedTargets) && sync.issues
      ? undefined
      : 'an issues entry without its issues';
  }
  return 'an entry for no known receiver';
}

/** The spool's entries; a directory that does not exist is a usage error, a corrupt entry is reported and skipped. */
export async function readUndelivered(fromDir: string): Promise<{ entries: StoredEntry[]; bad: BadEntry[] }> {
  const dir = path.join(fromDir, UNDELIVERED_DIR);
  try {
    if (!(await stat(fromDir)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new ConfigError(`from: '${fromDir}' is not an output directory of an earlier run (${errorCode(err)})`);
  }
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^(sqs|defectdojo|slack|issues)-.+\.json$/.test(n)).sort();
  } catch {
    return { entries: [], bad: [] };
  }
  const entries: StoredEntry[] = [];
  const bad: BadEntry[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let entry: unknown;
    try {
      entry = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      bad.push({ file, reason: `not readable JSON (${errorCode(err)})` });
      continue;
    }
    const problem = checkEntry(entry, dir);
    if (problem) bad.push({ file, reason: problem });
    else entries.push({ file, entry: entry as UndeliveredEntry });
  }
  return { entries, bad };
}

export async function removeUndelivered(stored: StoredEntry): Promise<void> {
  const dir = path.dirname(stored.file);
  if (stored.entry.sink === 'defectdojo') {
    for (const upload of stored.entry.uploads) {
      const file = spoolPath(dir, upload.reportFile);
      if (file) await rm(file, { force: true });
    }
  }
  await rm(stored.file, { force: true });
}
