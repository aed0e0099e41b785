import { ConfigError } from '../core/errors.js';
import type { ExploitationData } from '../core/exploitation.js';
import type { Profile } from '../core/profile.js';
import type { FeedVersions } from '../core/results.js';

/**
 * Excepting a finding CISA lists as exploited in the wild is a decision someone owns, tracks and revisits: under
 * `kev: block`, an exception of a KEV-listed id without `owner`, `ticket` and `until` is a profile error naming it,
 * before anything is scanned.
 */
export function checkKevExceptions(profile: Profile, data: ExploitationData): void {
  if (profile.exploitation?.kev !== 'block' || !data.kev) return;
  for (const rule of profile.exceptions) {
    const listed = data.kev.byCve.get(rule.id);
    if (!listed) continue;
    const missing = (['owner', 'ticket', 'until'] as const).filter((key) => !rule[key]);
    if (missing.length > 0) {
      throw new ConfigError(
        `${rule.origin}: ${rule.id} is in CISA KEV (since ${listed.dateAdded}); excepting it needs ` +
          `${missing.map((m) => `'${m}'`).join(', ')} (owner, ticket and until)`,
      );
    }
  }
}

/** The record names each feed's version: the catalogue's, and the day of the EPSS scores. */
export function feedVersions(data: ExploitationData): FeedVersions | undefined {
  if (!data.kev && !data.epss) return undefined;
  return {
    ...(data.kev ? { kev: { catalogVersion: data.kev.catalogVersion, dateReleased: data.kev.dateReleased } } : {}),
    ...(data.epss ? { epss: { modelVersion: data.epss.modelVersion, scoreDate: data.epss.scoreDate } } : {}),
  };
}
