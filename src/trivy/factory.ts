import type { Logger } from '../core/logger.js';
import { ensureTrivy, type ToolStore } from './install.js';
import type { TrivyOptions } from './options.js';
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
  });
  return new TrivyScanner(
    {
      ...options,
      binary,
      downloadAttempts: 3,
      backoffMs: 5000,
    },
    logger,
    env,
  );
}
