import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../core/logger.js';

/**
 * Trivy's layer cache (`<cache-dir>/fanal/fanal.db`, a bolt file), kept between runs. vulngate writes a note beside it
 * saying which Trivy made it. Trivy's cache keys cannot be listed or derived from outside, so blobs cannot be pruned
 * one by one; the cache is bounded instead: it is started anew when it is from another Trivy version or cache
 * schema, larger than the bound, or older than a week (base images are rebuilt weekly; what a week-old cache holds
 * that recent runs still use is analysed again once).
 */
/** 2: layers analysed only from copies checked against their diff IDs (older caches let Trivy read archives). */
export const LAYER_CACHE_SCHEMA = 2;
export const LAYER_CACHE_MAX_AGE_DAYS = 7;
const NOTE = 'vulngate-layer-cache.json';

interface Note {
  schema: number;
  trivyVersion: string;
  createdAt: string;
}

export function layerCacheDir(cacheDir: string): string {
  return path.join(cacheDir, 'fanal');
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}

async function readNote(dir: string): Promise<Note | undefined> {
  try {
    const note = JSON.parse(await readFile(path.join(dir, NOTE), 'utf8')) as Partial<Note>;
    if (
      typeof note.schema !== 'number' ||
      typeof note.trivyVersion !== 'string' ||
      typeof note.createdAt !== 'string'
    ) {
      return undefined;
    }
    return note as Note;
  } catch {
    return undefined;
  }
}

/** Why the existing cache is not used, or undefined when it is. */
function staleReason(
  note: Note | undefined,
  args: { trivyVersion: string; now: Date; size: number; maxBytes: number },
): string | undefined {
  if (!note) return 'it has no vulngate note (made by another tool or an older vulngate)';
  if (note.schema !== LAYER_CACHE_SCHEMA) return `it has cache schema ${note.schema}, not ${LAYER_CACHE_SCHEMA}`;
  if (note.trivyVersion !== args.trivyVersion)
    return `it was made by Trivy ${note.trivyVersion}, not ${args.trivyVersion}`;
  if (args.size > args.maxBytes)
    return `it is ${Math.round(args.size / 1048576)} MB, over the bound of ${Math.round(args.maxBytes / 1048576)} MB`;
  const ageDays = (args.now.getTime() - Date.parse(note.createdAt)) / 86_400_000;
  if (!(ageDays <= LAYER_CACHE_MAX_AGE_DAYS)) return `it is older than ${LAYER_CACHE_MAX_AGE_DAYS} days`;
  return undefined;
}

/** Before a run: keeps a usable cache, starts a stale one anew; returns the cache's size in bytes (0 when new). */
export async function prepareLayerCache(args: {
  cacheDir: string;
  trivyVersion: string;
  maxBytes: number;
  now: Date;
  logger: Logger;
}): Promise<number> {
  const dir = layerCacheDir(args.cacheDir);
  const size = await sizeOf(path.join(dir, 'fanal.db'));
  const note = await readNote(dir);
  if (size !== undefined) {
    const reason = staleReason(note, { ...args, size });
    if (reason === undefined) {
      args.logger.info(`Layer cache: ${Math.round(size / 1048576)} MB from ${note?.createdAt.slice(0, 10)} (${dir})`);
      return size;
    }
    args.logger.info(`Layer cache in ${dir} not used: ${reason}; starting it anew`);
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  const fresh: Note = {
    schema: LAYER_CACHE_SCHEMA,
    trivyVersion: args.trivyVersion,
    createdAt: args.now.toISOString(),
  };
  await writeFile(path.join(dir, NOTE), `${JSON.stringify(fresh)}\n`);
  return 0;
}
