import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../core/hash.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { fileSha256 } from './hash-worker.js';
import { layerCacheDir } from './layer-cache.js';

/**
 * A tarball's sha256, kept per file identity as git's index keeps a file's hash: the device, inode, size, and the
 * modification and change times in nanoseconds. The change time cannot be set back from user space, so a file
 * written again (a new `docker save`, a copy, an edit restored to its old mtime) is a new identity and is hashed;
 * the same file scanned again (a re-run, a nightly rescan of the same artifacts) is not read twice. Kept beside the
 * layer cache, and started anew with it.
 */
export function fileHashesDir(cacheDir: string): string {
  return path.join(layerCacheDir(cacheDir), 'vulngate-hashes');
}

/** A file's identity as git's index keeps it; undefined for what is not a regular file. */
export async function fileIdentity(file: string): Promise<string | undefined> {
  const s = await stat(file, { bigint: true });
  if (!s.isFile()) return undefined;
  return [path.resolve(file), s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].join('\0');
}

/** sha256 of a regular file (undefined for a directory), from the kept hash when the file is the same file. */
export async function tarballSha256(file: string, hashesDir?: string): Promise<string | undefined> {
  const before = await fileIdentity(file);
  if (before === undefined) return undefined;
  const entry = hashesDir ? path.join(hashesDir, sha256Hex(before)) : undefined;
  if (entry) {
    const kept = await readFile(entry, 'utf8').catch(() => '');
    if (/^sha256:[0-9a-f]{64}$/.test(kept)) return kept;
  }
  const hash = await fileSha256(file);
  // Written during the hash: the hash is of no one version, so it is not kept.
  if (entry && (await fileIdentity(file)) === before) await writeFileAtomic(entry, hash).catch(() => undefined);
  return hash;
}
