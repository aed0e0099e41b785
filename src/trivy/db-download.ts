import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ScanError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { RetryableError, retry, type RetryPolicy } from '../lib/retry.js';
import { lastErrorLine } from './environment.js';
import type { ProcessResult } from '../lib/process.js';

export interface DbDownloadArgs {
  /** `--download-db-only` or `--download-java-db-only`. */
  flag: '--download-db-only' | '--download-java-db-only';
  what: string;
  cacheDir: string;
  repositories: string[];
  policy: RetryPolicy;
  logger: Logger;
  run: (args: string[], timeoutMs: number) => Promise<ProcessResult>;
}

/**
 * Mirrors are tried one Trivy run each, in order (Trivy itself stops at a repository that does not have the DB);
 * a failing one moves on to the next at once, and a full round that fails is retried with backoff.
 */
export async function downloadDb(args: DbDownloadArgs): Promise<void> {
  const { flag, what, policy, logger } = args;
  const repoFlag = flag === '--download-java-db-only' ? '--java-db-repository' : '--db-repository';
  const repositories: (string | undefined)[] = args.repositories.length > 0 ? args.repositories : [undefined];
  let failures: { repository: string; line: string; rateLimited: boolean }[] = [];
  const round = async () => {
    failures = [];
    for (const repository of repositories) {
      logger.info(`Downloading the Trivy ${what}${repository ? ` from ${repository}` : ''}…`);
      const started = Date.now();
      const common = ['--cache-dir', path.resolve(args.cacheDir), '--skip-version-check', '--disable-telemetry'];
      const result = await args.run(
        ['image', flag, ...common, '--no-progress', ...(repository ? [repoFlag, repository] : [])],
        15 * 60 * 1000,
      );
      if (result.exitCode === 0 && !result.timedOut) {
        const size = await dirSize(path.join(args.cacheDir, flag === '--download-java-db-only' ? 'java-db' : 'db'));
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        logger.info(`Downloaded the Trivy ${what} (${Math.round(size / 1_048_576)} MB) in ${seconds} s`);
        return;
      }
      failures.push({
        repository: repository ?? "Trivy's default registry",
        line: result.timedOut ? 'timed out after 15 min' : lastErrorLine(result.stderr),
        rateLimited: /TOOMANYREQUESTS|\b429\b|rate limit/i.test(result.stderr),
      });
    }
    throw new RetryableError('every repository failed');
  };
  let attempts = 0;
  const rateLimited = () => failures.some((f) => f.rateLimited);
  try {
    await retry(
      policy,
      (n) => {
        attempts = n;
        return round();
      },
      {
        classify: (error) => ({ retry: error instanceof RetryableError }),
        onRetry: ({ attempt, delayMs }) => {
          const limited = rateLimited() ? ', rate limited' : '';
          logger.warning(
            `Downloading the Trivy ${what} failed (attempt ${attempt}/${policy.attempts}${limited}); ` +
              `retrying in ${delayMs / 1000} s`,
          );
        },
      },
    );
  } catch (error) {
    if (!(error instanceof RetryableError)) throw error;
    const where = failures.map((f) => f.repository).join(', ');
    const hint = rateLimited()
      ? `the registry rate-limited the download (TOOMANYREQUESTS) from ${where}; ` +
        'set db-repository to a mirror, or retry later'
      : failures.map((f) => `${f.repository}: ${f.line}`).join('; ');
    throw new ScanError(`could not download the Trivy ${what} after ${attempts} attempt(s): ${hint}`);
  }
}

/** Bytes under a directory (the DB's files), for the download's one line; 0 when it cannot be read. */
async function dirSize(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
