import path from 'node:path';
import * as cache from '@actions/cache';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ImageScanner } from '../trivy/scanner.js';

/** One DB per day and OS: fresh enough for a gate, and one download per day instead of one per job. */
export function dbCacheKey(now: Date, platform: string): string {
  return `vulngate-trivy-db-${platform}-${now.toISOString().slice(0, 10)}`;
}

/**
 * Restores the Trivy DB before `prepare` and saves it right after, before any scan,
 * so the cache is saved whether the gate then passes or fails.
 */
export function withDbCache(
  scanner: ImageScanner,
  args: { cacheDir: string; now: Date; logger: Logger },
): ImageScanner {
  const paths = [path.join(args.cacheDir, 'db'), path.join(args.cacheDir, 'java-db')];
  const key = dbCacheKey(args.now, process.platform);
  return {
    scan: (a) => scanner.scan(a),
    async prepare() {
      if (!cache.isFeatureAvailable()) {
        args.logger.debug('Actions cache is not available here; the Trivy DB is downloaded every run');
        return scanner.prepare();
      }
      let hit: string | undefined;
      try {
        hit = await cache.restoreCache(paths, key, [`vulngate-trivy-db-${process.platform}-`]);
      } catch (err) {
        args.logger.warning(`Restoring the Trivy DB cache failed: ${describeError(err)}`);
      }
      await scanner.prepare();
      if (hit === key) return;
      try {
        await cache.saveCache(paths, key);
      } catch (err) {
        args.logger.warning(`Saving the Trivy DB cache failed: ${describeError(err)}`);
      }
    },
  };
}
