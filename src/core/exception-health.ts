import type { Logger } from './logger.js';
import type { GateResults } from './results.js';

/** Says what needs a person's attention in the profile: expired, expiring, unused exceptions. */
export function reportExceptionHealth({ results, logger }: { results: GateResults; logger: Logger }): void {
  for (const e of results.exceptions.expired) {
    const pkg = e.package ? ` (${e.package})` : '';
    const effect = e.matches > 0 ? `; it would cover ${e.matches} finding(s), which now count` : '';
    logger.warning(
      `Exception ${e.id}${pkg} expired on ${e.until} and no longer applies${effect}. Note: ${e.note} [${e.origin}]`,
    );
  }
  for (const e of results.exceptions.expiringSoon) {
    const pkg = e.package ? ` (${e.package})` : '';
    logger.notice(`Exception ${e.id}${pkg} expires after ${e.until}. Note: ${e.note} [${e.origin}]`);
  }
  for (const e of results.exceptions.unused) {
    const pkg = e.package ? ` (${e.package})` : '';
    logger.notice(`Unused exception ${e.id}${pkg} [${e.origin}]: ${e.why ?? 'it matched no finding'}`);
  }
}
