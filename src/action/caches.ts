import { randomUUID } from 'node:crypto';
import path from 'node:path';
import * as cache from '@actions/cache';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { LAYER_CACHE_SCHEMA, layerCacheDir } from '../trivy/layer-cache.js';
import type { ImageScanner } from '../trivy/scanner.js';

/**
 * Runs whose layer cache (and the image reports kept with it) may be saved. pull_request_target, workflow_run,
 * issue_comment and their like run in the default branch's cache scope on input a fork controls (its tarballs, whose
 * config names the layers): what they would save, a later push run would trust. A pull_request run saves into its own
 * ref's scope, which the default branch never reads.
 */
const CACHE_SAVING_EVENTS = new Set(['push', 'schedule', 'workflow_dispatch', 'pull_request', 'merge_group']);

/** One DB per day and OS: fresh enough for a gate, and one download per day instead of one per job. */
export function dbCacheKey(now: Date, platform: string): string {
  return `vulngate-trivy-db-${platform}-${now.toISOString().slice(0, 10)}`;
}

/** Layer caches are kept per OS, Trivy version and cache schema; the newest one is restored by this prefix. */
export function layerCachePrefix(platform: string, trivyVersion: string): string {
  return `vulngate-trivy-layers-v${LAYER_CACHE_SCHEMA}-${platform}-trivy${trivyVersion}-`;
}

export interface ActionsCacheArgs {
  cacheDir: string;
  trivyVersion: string;
  now: Date;
  logger: Logger;
  /** Restore/save the DB (not for offline or server scans). */
  db: boolean;
  /** Restore/save Trivy's layer cache. */
  layers: boolean;
  env: NodeJS.ProcessEnv;
}

async function restore(paths: string[], key: string, prefixes: string[], what: string, logger: Logger) {
  try {
    return await cache.restoreCache(paths, key, prefixes);
  } catch (err) {
    logger.warning(`Restoring the ${what} cache failed: ${describeError(err)}`);
    return undefined;
  }
}

async function save(paths: string[], key: string, what: string, logger: Logger): Promise<void> {
  try {
    await cache.saveCache(paths, key);
  } catch (err) {
    logger.warning(`Saving the ${what} cache failed: ${describeError(err)}`);
  }
}

/**
 * The Actions cache around the scanner: the DB is restored before `prepare` and saved right after it, before any
 * scan; the layer cache is restored before `prepare` (by prefix, so a changed app layer still finds its base) and
 * saved at `close`, after the last scan, whether the gate then passes or fails, when the run analysed a layer.
 */
export function withActionsCaches(scanner: ImageScanner, args: ActionsCacheArgs): ImageScanner {
  const { logger } = args;
  const dbPaths = [path.join(args.cacheDir, 'db'), path.join(args.cacheDir, 'java-db')];
  const dbKey = dbCacheKey(args.now, process.platform);
  const layerPaths = [layerCacheDir(args.cacheDir)];
  const prefix = layerCachePrefix(process.platform, args.trivyVersion);
  let analysed = 0;
  const available = () => {
    const ok = cache.isFeatureAvailable();
    if (!ok) logger.debug('The Actions cache is not available here; nothing is restored or saved');
    return ok;
  };
  return {
    databases: () => scanner.databases(),
    baseAnalysedBefore: (target) => scanner.baseAnalysedBefore(target),
    async scan(a) {
      const outcome = await scanner.scan(a);
      analysed += outcome.layers?.analysed ?? 0;
      // A new report in the result cache is worth saving too, even when every layer came from the cache.
      if (!outcome.reused && a.target.content) analysed += 1;
      return outcome;
    },
    async prepare(plan) {
      if (!available()) return scanner.prepare(plan);
      if (args.layers) {
        const hit = await restore(layerPaths, prefix, [prefix], 'layer', logger);
        logger.info(hit ? `Restored the layer cache ${hit}` : 'No layer cache to restore yet');
      }
      if (!args.db) return scanner.prepare(plan);
      const hit = await restore(dbPaths, dbKey, [`vulngate-trivy-db-${process.platform}-`], 'Trivy DB', logger);
      await scanner.prepare(plan);
      if (hit !== dbKey) await save(dbPaths, dbKey, 'Trivy DB', logger);
    },
    async close() {
      await scanner.close();
      if (!args.layers || analysed === 0 || !cache.isFeatureAvailable()) return;
      const event = args.env.GITHUB_EVENT_NAME ?? '';
      if (!CACHE_SAVING_EVENTS.has(event)) {
        logger.info(`The layer cache is not saved from a ${event || 'unknown'} run: a fork may control its input`);
        return;
      }
      const run = `${args.env.GITHUB_RUN_ID ?? 'local'}-${args.env.GITHUB_RUN_ATTEMPT ?? '1'}`;
      await save(layerPaths, `${prefix}${run}-${randomUUID().slice(0, 8)}`, 'layer', logger);
    },
  };
}
