import { ConfigError } from '../core/errors.js';

/** Which platforms of a multi-platform image are scanned: linux/amd64 alone (as Trivy would), a list, or all. */
export type PlatformChoice = { kind: 'default' } | { kind: 'all' } | { kind: 'list'; platforms: string[] };

export const DEFAULT_PLATFORM = 'linux/amd64';

/** An index entry: `linux/arm64/v8`. */
export interface IndexEntry {
  digest: string;
  platform: string;
}

/** The `platform` option: empty (linux/amd64 of an index), `all`, or platforms like linux/arm64 (one per line). */
export function parsePlatformChoice(values: string[]): PlatformChoice {
  const given = values.map((v) => v.trim()).filter(Boolean);
  if (given.length === 0) return { kind: 'default' };
  if (given.length === 1 && given[0] === 'all') return { kind: 'all' };
  for (const platform of given) {
    if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(platform)) {
      throw new ConfigError(`platform: '${platform}' is not a platform like linux/amd64 or linux/arm64/v8, or all`);
    }
  }
  return { kind: 'list', platforms: [...new Set(given)] };
}

/** `linux/arm64` matches `linux/arm64/v8`: a platform without variant takes the index's one. */
function matches(wanted: string, entry: string): boolean {
  return entry === wanted || (wanted.split('/').length === 2 && entry.startsWith(`${wanted}/`));
}

/**
 * The entries of an index to scan; throws an Error (the image's scan error) naming what the index has when a
 * platform asked for is not in it.
 */
export function selectPlatforms(entries: IndexEntry[], choice: PlatformChoice): IndexEntry[] {
  if (choice.kind === 'all') return entries;
  const wanted = choice.kind === 'list' ? choice.platforms : [DEFAULT_PLATFORM];
  return wanted.map((platform) => {
    const found = entries.find((e) => matches(platform, e.platform));
    if (!found) {
      const has = entries.map((e) => e.platform).join(', ') || 'no platforms';
      throw new Error(`the image has no ${platform} (its index has ${has}); set platform to one of them or all`);
    }
    return found;
  });
}
