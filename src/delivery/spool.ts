import { mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, errorCode } from '../core/errors.js';
import type { Planned, Receiver, SpoolDir, SpoolEntry } from './receiver.js';

/**
 * The spool, `<output-dir>/undelivered/`: one `<receiver>-<id>.json` per entry not delivered yet, with the files it
 * names beside it. It is in the audit artifact, so whoever can change an artifact writes it: what is read back is
 * checked, and names files inside the spool only.
 */
export const UNDELIVERED_DIR = 'undelivered';

/** Names a run's spool files: sortable by time, unique per run. */
export function spoolId(now: Date, scanId: string): string {
  return `${now.toISOString().replace(/[:.]/g, '-')}-${scanId.slice(0, 8)}`;
}

/**
 * A file the entry names, inside the spool directory or nothing: anyone who can change an artifact must not make
 * `vulngate forward` upload or delete files elsewhere.
 */
export function spoolPath(spoolDir: string, reference: unknown): string | undefined {
  if (typeof reference !== 'string' || reference === '' || path.isAbsolute(reference)) return undefined;
  const resolved = path.resolve(spoolDir, reference);
  const root = path.resolve(spoolDir);
  return resolved.startsWith(`${root}${path.sep}`) ? resolved : undefined;
}

export function spoolDir(outputDir: string): SpoolDir {
  const dir = path.join(outputDir, UNDELIVERED_DIR);
  return { dir, file: (reference) => spoolPath(dir, reference) };
}

/** Writes one entry (and its files) as <spool>/<receiver>-<id>.json; the same name again replaces it. */
export async function writeEntry(spool: SpoolDir, id: string, planned: Planned<SpoolEntry>): Promise<string> {
  await mkdir(spool.dir, { recursive: true });
  for (const file of planned.files ?? []) {
    const target = spool.file(file.name);
    if (!target) throw new Error(`a spool file outside the spool: ${file.name}`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.text);
  }
  const file = path.join(spool.dir, `${planned.entry.sink}-${id}.json`);
  await writeFile(file, `${JSON.stringify(planned.entry, null, 2)}\n`);
  return file;
}

/** Removes the named files (inside the spool only), and the directories they leave empty. */
export async function removeFiles(spool: SpoolDir, names: string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const name of names) {
    const file = spool.file(name);
    if (!file) continue;
    await rm(file, { force: true });
    if (path.dirname(file) !== path.resolve(spool.dir)) dirs.add(path.dirname(file));
  }
  for (const dir of dirs) await rmdir(dir).catch(() => undefined);
}

/** A spool entry read back and checked, with the receiver it is for. */
export interface StoredEntry {
  file: string;
  id: string;
  receiver: Receiver;
  entry: SpoolEntry;
}

/** A spool entry that could not be used: reported, skipped, and left where it is. */
export interface BadEntry {
  file: string;
  /** The receiver its file name says. */
  receiver: string;
  reason: string;
}

/** What every entry has; then the receiver's own check. */
function checkEntry(raw: unknown, receiver: Receiver, spool: SpoolDir): string | undefined {
  const entry = raw as Record<string, unknown> | null;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || entry.version !== 1) {
    return 'not a vulngate spool entry (version 1)';
  }
  if (entry.sink !== receiver.name) return `its file name says ${receiver.name}, the entry does not`;
  if (typeof entry.createdAt !== 'string' || !Array.isArray(entry.reasons)) return 'an entry without its date';
  return receiver.check(entry, spool);
}

/** The receiver a spool file is for, by its name's prefix; files of no receiver are not the spool's. */
function receiverOf(name: string, receivers: readonly Receiver[]): Receiver | undefined {
  const longestFirst = [...receivers].sort((a, b) => b.name.length - a.name.length);
  return longestFirst.find((r) => name.startsWith(`${r.name}-`) && name.endsWith('.json'));
}

/** The spool's entries; a directory that does not exist is a usage error, a corrupt entry is reported and skipped. */
export async function readSpool(
  fromDir: string,
  receivers: readonly Receiver[],
): Promise<{ entries: StoredEntry[]; bad: BadEntry[] }> {
  try {
    if (!(await stat(fromDir)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new ConfigError(`from: '${fromDir}' is not an output directory of an earlier run (${errorCode(err)})`);
  }
  const spool = spoolDir(fromDir);
  let names: string[];
  try {
    names = (await readdir(spool.dir)).sort();
  } catch {
    return { entries: [], bad: [] };
  }
  const entries: StoredEntry[] = [];
  const bad: BadEntry[] = [];
  for (const name of names) {
    const receiver = receiverOf(name, receivers);
    if (!receiver) continue;
    const file = path.join(spool.dir, name);
    let entry: unknown;
    try {
      entry = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      bad.push({ file, receiver: receiver.name, reason: `not readable JSON (${errorCode(err)})` });
      continue;
    }
    const problem = checkEntry(entry, receiver, spool);
    const id = name.slice(receiver.name.length + 1, -'.json'.length);
    if (problem) bad.push({ file, receiver: receiver.name, reason: problem });
    else entries.push({ file, id, receiver, entry: entry as SpoolEntry });
  }
  return { entries, bad };
}

/**
 * The keys of an object that are not among the allowed ones: a spool entry that names more than what to send
 * (where to, with what credentials) is refused, not half-read.
 */
export function unexpectedKeys(value: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(value).filter((key) => !allowed.includes(key));
}

/** The reason for refusing an entry that names more than what to send. */
export function namesMoreThanWhat(keys: string[]): string {
  return (
    `it names more than what to send (${keys.join(', ')}): at replay, where to send it and with what ` +
    `credentials come from this job's settings only`
  );
}

/** The common fields every entry starts with. */
export const ENTRY_FIELDS = ['version', 'sink', 'createdAt', 'reasons'] as const;
