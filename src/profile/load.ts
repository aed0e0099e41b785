import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, errorCode } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import type { Logger } from '../core/logger.js';
import type { Severity } from '../core/severity.js';
import { DEFAULT_EXPLOITATION } from '../core/exploitation.js';
import { BUILT_IN_PROFILE, type Profile, type ProfileFile, type ProfileOverride } from '../core/profile.js';
import { parseProfileDocument, type ProfileDocument } from './parse.js';

export interface ProfileOverrides {
  severity?: Severity;
  ignoreUnfixed?: boolean;
  /** Where each was set (`VULNGATE_SEVERITY`, `--severity`, the `severity` input), for the record. */
  from?: { severity?: string; ignoreUnfixed?: string };
}

export interface LoadProfileArgs {
  /** A file path, or a name looked up in profilesDir; empty for the default. */
  profile?: string;
  profilesDir: string;
  overrides: ProfileOverrides;
  logger: Logger;
  /** For max_exception_days. */
  now: Date;
}

const EXTENSIONS = ['.yml', '.yaml'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function loadProfile(args: LoadProfileArgs): Promise<Profile> {
  const file = await resolveProfileFile(args);
  const base = file === undefined ? BUILT_IN_PROFILE : await loadChain({ file, logger: args.logger, now: args.now });
  return applyOverrides(base, args.overrides);
}

/**
 * Inputs win over the profile, and the record says so: each override with where it came from and what the profile
 * said, so `VULNGATE_SEVERITY=CRITICAL` is never recorded as the profile file's own threshold.
 */
export function applyOverrides(base: Profile, overrides: ProfileOverrides): Profile {
  const applied: ProfileOverride[] = [];
  if (overrides.severity !== undefined && overrides.severity !== base.severity) {
    applied.push({
      key: 'severity',
      value: overrides.severity,
      profileValue: base.severity,
      from: overrides.from?.severity ?? 'severity',
    });
  }
  if (overrides.ignoreUnfixed !== undefined && overrides.ignoreUnfixed !== base.ignoreUnfixed) {
    applied.push({
      key: 'ignore_unfixed',
      value: overrides.ignoreUnfixed,
      profileValue: base.ignoreUnfixed,
      from: overrides.from?.ignoreUnfixed ?? 'ignore-unfixed',
    });
  }
  return {
    ...base,
    severity: overrides.severity ?? base.severity,
    ignoreUnfixed: overrides.ignoreUnfixed ?? base.ignoreUnfixed,
    ...(applied.length > 0 ? { overrides: applied } : {}),
  };
}

async function resolveProfileFile({ profile, profilesDir }: LoadProfileArgs): Promise<string | undefined> {
  const wanted = profile?.trim() ?? '';
  if (wanted !== '' && looksLikePath(wanted)) {
    if (!(await isFile(wanted))) throw new ConfigError(`profile '${wanted}': no such file`);
    return wanted;
  }
  if (wanted !== '') {
    if (!NAME.test(wanted)) {
      throw new ConfigError(`profile '${wanted}': not a file path nor a profile name (letters, digits, '.', '_', '-')`);
    }
    const named = await findNamed(profilesDir, wanted);
    if (named) return named;
    // A profile asked for by name and not there is an error, never a quieter default: `--profile strcit` must not
    // judge with a looser profile than `strict`.
    throw new ConfigError(
      `profile '${wanted}': no ${wanted}.yml or ${wanted}.yaml in ${profilesDir}/` +
        `${didYouMean(wanted, await profileNames(profilesDir))}`,
    );
  }
  return findNamed(profilesDir, 'default');
}

/** The profile names a directory holds (`api` for api.yml), for a "did you mean". */
export async function profileNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.flatMap((entry) => {
    const ext = EXTENSIONS.find((e) => entry.endsWith(e));
    return ext ? [entry.slice(0, -ext.length)] : [];
  });
}

export function looksLikePath(value: string): boolean {
  return value.includes('/') || value.includes('\\') || EXTENSIONS.some((ext) => value.endsWith(ext));
}

export async function findNamed(dir: string, name: string): Promise<string | undefined> {
  for (const ext of EXTENSIONS) {
    const candidate = path.join(dir, `${name}${ext}`);
    if (await isFile(candidate)) return candidate;
  }
  return undefined;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads a profile and everything it extends; the most specific file wins on scalars. `root`: a profiles repository,
 * where `extends: base` from `acme/shop.yml` also finds `base.yml` at the top.
 */
export async function loadChain(args: { file: string; logger: Logger; now: Date; root?: string }): Promise<Profile> {
  const { file, logger } = args;
  const chain: ProfileDocument[] = [];
  const files: ProfileFile[] = [];
  const seen: string[] = [];
  let current: string | undefined = file;
  while (current !== undefined) {
    const resolved = path.resolve(current);
    if (seen.includes(resolved)) {
      const cycle = [...seen, resolved].map((f) => path.basename(f)).join(' → ');
      throw new ConfigError(`${file}: 'extends' makes a cycle (${cycle})`);
    }
    seen.push(resolved);
    if (args.root !== undefined) await confine(args.root, current);
    const bytes = await readBytes(current);
    files.push({ file: current, sha256: createHash('sha256').update(bytes).digest('hex') });
    const doc = parseProfileDocument({ text: bytes.toString('utf8'), file: current, logger });
    chain.push(doc);
    current = doc.extends === undefined ? undefined : await resolveExtends(doc.extends, doc.file, args.root);
  }
  const profile = { ...mergeChain(chain), files };
  checkExceptionDays(profile, args.now);
  return profile;
}

/**
 * A file of a profiles repository is read only when its real path is inside the checkout: a profile, or a profile
 * it extends, that is a link to a file elsewhere on the runner is not the reviewed repository's.
 */
async function confine(root: string, file: string): Promise<void> {
  let real: string;
  let top: string;
  try {
    [top, real] = await Promise.all([realpath(root), realpath(file)]);
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the profile (${errorCode(err)})`);
  }
  if (!real.startsWith(`${top}${path.sep}`))
    throw new ConfigError(`${file}: is a link to a file outside the profiles repository; it is not read`);
}

const DAY_MS = 86_400_000;

/** max_exception_days: every exception ends, and not too far ahead; each one that does not is named. */
function checkExceptionDays(profile: Profile, now: Date): void {
  const days = profile.maxExceptionDays;
  if (days === undefined) return;
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (const rule of profile.exceptions) {
    if (rule.until === undefined) {
      throw new ConfigError(`${rule.origin}: needs 'until' (max_exception_days is ${days})`);
    }
    const [y, m, d] = rule.until.split('-').map(Number) as [number, number, number];
    if ((Date.UTC(y, m - 1, d) - today) / DAY_MS > days) {
      throw new ConfigError(`${rule.origin}: until ${rule.until} is more than max_exception_days (${days}) ahead`);
    }
  }
}

async function resolveExtends(name: string, file: string, root: string | undefined): Promise<string> {
  const dir = path.dirname(file);
  if (!NAME.test(name))
    throw new ConfigError(`${file}: extends: '${name}' is not a profile name (letters, digits, '.', '_', '-')`);
  const found = (await findNamed(dir, name)) ?? (root !== undefined ? await findNamed(root, name) : undefined);
  if (!found)
    throw new ConfigError(`${file}: extends: no profile '${name}' in ${dir}/ (looked for ${name}.yml, ${name}.yaml)`);
  return found;
}

/** chain[0] is the file asked for; the last one is the root it builds on. */
export function mergeChain(chain: ProfileDocument[]): Profile {
  let merged: Profile = { ...BUILT_IN_PROFILE, source: chain[0]?.file ?? BUILT_IN_PROFILE.source };
  for (const doc of [...chain].reverse()) {
    const maxExceptionDays = doc.maxExceptionDays ?? merged.maxExceptionDays;
    const notify = doc.notify ?? merged.notify;
    // kev, epss and eol_os each inherit through extends, and a more specific file sets each on its own.
    const exploitation =
      doc.exploitation || merged.exploitation
        ? { ...DEFAULT_EXPLOITATION, ...merged.exploitation, ...doc.exploitation }
        : undefined;
    merged = {
      source: merged.source,
      severity: doc.severity ?? merged.severity,
      ignoreUnfixed: doc.ignoreUnfixed ?? merged.ignoreUnfixed,
      exceptions: [...merged.exceptions, ...doc.exceptions],
      ...(maxExceptionDays !== undefined ? { maxExceptionDays } : {}),
      ...(notify ? { notify } : {}),
      ...(exploitation ? { exploitation } : {}),
    };
  }
  return merged;
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the profile (${errorCode(err)})`);
  }
}
