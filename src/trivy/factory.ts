import path from 'node:path';
import type { Logger } from '../core/logger.js';
import { ensureTrivy, type ToolStore } from './install.js';
import type { TrivyOptions } from '../config/trivy.js';
import { TrivyScanner } from './trivy-scanner.js';

export interface CreateScannerArgs {
  options: TrivyOptions;
  store: ToolStore;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

export async function createTrivyScanner({ options, store, logger, env }: CreateScannerArgs): Promise<TrivyScanner> {
  const binary = await ensureTrivy({
    version: options.version,
    checksum: options.checksum,
    downloadUrl: options.downloadUrl,
    platform: process.platform,
    arch: process.arch,
    store,
    env,
    logger,
    versionsDir: path.join(options.cacheDir, 'vulngate-trivy-versions'),
  });
  return new TrivyScanner(
    {
      ...options,
      binary,
      // 3 attempts, 5 s then 10 s apart: registry rate limits last longer than Trivy's own retries.
      downloadRetry: { attempts: 3, baseDelayMs: 5000, maxDelayMs: 60_000, totalMs: 45 * 60_000, jitter: false },
    },
    logger,
    env,
  );
}
