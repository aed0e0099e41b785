import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanError, errorCode } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { cleanTrivyEnvironment, lastErrorLine } from './environment.js';
import { runProcess } from './process.js';
import type { ImageScanner } from './scanner.js';
import type { TrivyOptions } from './options.js';
import { RetryableError, retry, type RetryPolicy } from '../lib/retry.js';

/** How to run Trivy: the user's options (minus how to obtain it), plus the binary found and retry timing. */
export interface TrivySettings extends Omit<TrivyOptions, 'checksum' | 'downloadUrl'> {
  binary: string;
  /** For the DB download: rate limits and flaky registries outlast one Trivy run's own retries. */
  downloadRetry: RetryPolicy;
}

export class TrivyScanner implements ImageScanner {
  constructor(
    private readonly settings: TrivySettings,
    private readonly logger: Logger,
    private readonly parentEnv: NodeJS.ProcessEnv,
  ) {}

  async prepare(): Promise<void> {
    const { server, offline, cacheDir } = this.settings;
    if (server) {
      this.logger.info(`Scanning as a client of the Trivy server at ${server.url}`);
      return;
    }
    if (offline) {
      const dbFile = path.join(cacheDir, 'db', 'trivy.db');
      try {
        await access(dbFile);
      } catch {
        throw new ScanError(`offline scan: no vulnerability DB at ${dbFile} (run once online, or restore the cache)`);
      }
      return;
    }
    await this.download(['--download-db-only'], 'vulnerability DB');
    if (this.settings.javaDb) await this.download(['--download-java-db-only'], 'Java DB');
  }

  async scan({ tarball, reportPath }: { tarball: string; reportPath: string }): Promise<void> {
    const { timeoutSeconds } = this.settings;
    const result = await this.run({
      args: [
        'image',
        '--input',
        path.resolve(tarball),
        '--format',
        'json',
        '--output',
        path.resolve(reportPath),
        ...this.scanFlags(),
      ],
      timeoutMs: timeoutSeconds * 1000,
    });
    if (result.timedOut)
      throw new ScanError(`${tarball}: Trivy did not finish within ${timeoutSeconds} s (scan-timeout)`);
    if (result.exitCode !== 0)
      throw new ScanError(`${tarball}: Trivy failed (exit ${result.exitCode}): ${lastErrorLine(result.stderr)}`);
  }

  private scanFlags(): string[] {
    const { cacheDir, timeoutSeconds, server, offline } = this.settings;
    const flags = [
      '--scanners',
      'vuln,secret',
      '--cache-dir',
      path.resolve(cacheDir),
      // One cache file per process would lock ("cache may be in use by another process"): parallel scans use memory.
      '--cache-backend',
      'memory',
      '--skip-db-update',
      '--skip-java-db-update',
      '--skip-version-check',
      '--disable-telemetry',
      // Not --quiet: it silences the FATAL line that says why a scan failed.
      '--no-progress',
      '--timeout',
      `${timeoutSeconds + 30}s`,
    ];
    if (offline) flags.push('--offline-scan');
    if (server) flags.push('--server', server.url);
    return flags;
  }

  /**
   * Mirrors are tried one Trivy run each, in order (Trivy itself stops at a repository that does not have the DB);
   * a failing one moves on to the next at once, and a full round that fails is retried with backoff.
   */
  private async download(flag: string[], what: string): Promise<void> {
    const { cacheDir, dbRepositories, downloadRetry } = this.settings;
    const repoFlag = flag[0] === '--download-java-db-only' ? '--java-db-repository' : '--db-repository';
    const repositories: (string | undefined)[] = dbRepositories.length > 0 ? dbRepositories : [undefined];
    let failures: { repository: string; line: string; rateLimited: boolean }[] = [];
    const round = async () => {
      failures = [];
      for (const repository of repositories) {
        const result = await this.run({
          args: [
            'image',
            ...flag,
            '--cache-dir',
            path.resolve(cacheDir),
            '--skip-version-check',
            '--disable-telemetry',
            '--no-progress',
            ...(repository ? [repoFlag, repository] : []),
          ],
          timeoutMs: 15 * 60 * 1000,
        });
        if (result.exitCode === 0 && !result.timedOut) return;
        failures.push({
          repository: repository ?? "Trivy's default registry",
          line: result.timedOut ? 'timed out after 15 min' : lastErrorLine(result.stderr),
          rateLimited: /TOOMANYREQUESTS|\b429\b|rate limit/i.test(result.stderr),
        });
      }
      throw new RetryableError(`every repository failed`);
    };
    let attempts = 0;
    try {
      await retry(
        downloadRetry,
        (n) => {
          attempts = n;
          return round();
        },
        {
          classify: (error) => ({ retry: error instanceof RetryableError }),
          onRetry: ({ attempt, delayMs }) => {
            const limited = failures.some((f) => f.rateLimited) ? ', rate limited' : '';
            this.logger.warning(
              `Downloading the Trivy ${what} failed (attempt ${attempt}/${downloadRetry.attempts}${limited}); ` +
                `retrying in ${delayMs / 1000} s`,
            );
          },
        },
      );
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      const where = failures.map((f) => f.repository).join(', ');
      const hint = failures.some((f) => f.rateLimited)
        ? `the registry rate-limited the download (TOOMANYREQUESTS) from ${where}; set db-repository to a ` +
          `mirror, or retry later`
        : failures.map((f) => `${f.repository}: ${f.line}`).join('; ');
      throw new ScanError(`could not download the Trivy ${what} after ${attempts} attempt(s): ${hint}`);
    }
  }

  /** Each run gets an empty working directory, so a stray trivy.yaml or .trivyignore is never read. */
  private async run(args: { args: string[]; timeoutMs: number }) {
    const cwd = await mkdtemp(path.join(tmpdir(), 'vulngate-trivy-'));
    const extra: Record<string, string> = {};
    if (this.settings.server?.token) extra.TRIVY_TOKEN = this.settings.server.token;
    try {
      return await runProcess({
        command: this.settings.binary,
        args: args.args,
        cwd,
        env: cleanTrivyEnvironment(this.parentEnv, extra),
        timeoutMs: args.timeoutMs,
      });
    } catch (err) {
      throw new ScanError(`cannot run Trivy at ${this.settings.binary} (${errorCode(err)})`);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }
}
