import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rm, rmdir, stat } from 'node:fs/promises';
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

/** A file the spool would read or write through a link out of it: refused, never followed. */
export class SpoolLinkError extends Error {
  override readonly name = 'SpoolLinkError';
}

/**
 * The file an entry names, by its real path: inside the spool, whose directory is no link, and itself no link. A
 * symlinked directory inside `undelivered/` pointing elsewhere on the runner would otherwise be read (and sent) or
 * written through.
 */
async function confined(dir: string, reference: unknown): Promise<string> {
  const file = spoolPath(dir, reference);
  if (!file) throw new SpoolLinkError(`${String(reference)} is not a file inside the spool`);
  if ((await lstat(dir)).isSymbolicLink()) throw new SpoolLinkError(`${dir} is a link`);
  const [root, parent] = await Promise.all([realpath(dir), realpath(path.dirname(file))]);
  if (parent !== root && !parent.startsWith(`${root}${path.sep}`))
    throw new SpoolLinkError(`${String(reference)} is reached through a link out of the spool`);
  const found = await lstat(file).catch(() => undefined);
  if (found && !found.isFile()) throw new SpoolLinkError(`${String(reference)} is a link, not a file`);
  return file;
}

/** Reads a confined file; O_NOFOLLOW: a link put in its place since is not followed either. */
async function readConfined(dir: string, reference: unknown): Promise<string> {
  const handle = await open(await confined(dir, reference), constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Writes a confined file, its directories made first (and checked once made). */
async function writeConfined(dir: string, reference: string, text: string): Promise<string> {
  const lexical = spoolPath(dir, reference);
  if (lexical) await mkdir(path.dirname(lexical), { recursive: true });
  const file = await confined(dir, reference);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const handle = await open(file, flags, 0o644);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  return file;
}

export function spoolDir(outputDir: string): SpoolDir {
  const dir = path.join(outputDir, UNDELIVERED_DIR);
  return { dir, file: (reference) => spoolPath(dir, reference), read: (reference) => readConfined(dir, reference) };
}

/** Writes one entry (and its files) as <spool>/<receiver>-<id>.json; the same name again replaces it. */
export async function writeEntry(spool: SpoolDir, id: string, planned: Planned<SpoolEntry>): Promise<string> {
  await mkdir(spool.dir, { recursive: true });
  for (const file of planned.files ?? []) await writeConfined(spool.dir, file.name, file.text);
  const name = `${planned.entry.sink}-${id}.json`;
  return writeConfined(spool.dir, name, `${JSON.stringify(planned.entry, null, 2)}\n`);
}

/** Removes the named files (inside the spool only, never through a link), and the directories they leave empty. */
export async function removeFiles(spool: SpoolDir, names: string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const name of names) {
    const file = await confined(spool.dir, name).catch(() => undefined);
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
  const dir = await lstat(spool.dir).catch(() => undefined);
  if (!dir) return { entries: [], bad: [] };
  if (!dir.isDirectory()) {
    const reason = 'it is a link or not a directory: nothing in it is read';
    return { entries: [], bad: [{ file: spool.dir, receiver: UNDELIVERED_DIR, reason }] };
  }
  const entries: StoredEntry[] = [];
  const bad: BadEntry[] = [];
  for (const name of (await readdir(spool.dir)).sort()) {
    const receiver = receiverOf(name, receivers);
    if (!receiver) continue;
    const file = path.join(spool.dir, name);
    const read = await readEntry(spool, name, receiver);
    const id = name.slice(receiver.name.length + 1, -'.json'.length);
    if ('reason' in read) bad.push({ file, receiver: receiver.name, reason: read.reason });
    else entries.push({ file, id, receiver, entry: read.entry });
  }
  return { entries, bad };
}

/** One entry read (never through a link) and checked, with the files it names; or why it is not used. */
async function readEntry(
  spool: SpoolDir,
  name: string,
  receiver: Receiver,
): Promise<{ entry: SpoolEntry } | { reason: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await spool.read(name));
  } catch (err) {
    if (err instanceof SpoolLinkError) return { reason: `${err.message}: not read` };
    return { reason: `not readable JSON (${errorCode(err)})` };
  }
  const problem = checkEntry(raw, receiver, spool);
  if (problem) return { reason: problem };
  const entry = raw as SpoolEntry;
  for (const attachment of receiver.attachments?.(entry) ?? []) {
    try {
      await confined(spool.dir, attachment);
    } catch (err) {
      if (err instanceof SpoolLinkError) return { reason: `it names a file it cannot use: ${err.message}` };
      // A file that is not there is the receiver's to report when it sends.
    }
  }
  return { entry };
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
