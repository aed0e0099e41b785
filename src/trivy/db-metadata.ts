import { readFile } from 'node:fs/promises';
import type { DbInfo } from '../core/results.js';

/** A DB's metadata.json as Trivy writes it ({"Version":2,"NextUpdate":…,"UpdatedAt":…}); undefined when absent. */
export async function readDbMetadata(file: string): Promise<DbInfo | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const meta = raw as { Version?: unknown; UpdatedAt?: unknown; NextUpdate?: unknown };
  return {
    schemaVersion: typeof meta.Version === 'number' ? meta.Version : 0,
    updatedAt: typeof meta.UpdatedAt === 'string' ? meta.UpdatedAt : '',
    nextUpdate: typeof meta.NextUpdate === 'string' ? meta.NextUpdate : '',
  };
}
