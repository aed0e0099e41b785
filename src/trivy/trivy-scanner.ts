import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanError, errorCode } from '../core/errors.js';
import type { LayerStats } from '../core/finding.js';
import type { Logger } from '../core/logger.js';
import type { RetryPolicy } from '../lib/retry.js';
import { downloadDb } from './db-download.js';
import { cleanTrivyEnvironment, lastErrorLine } from './environment.js';
import { layerCacheDir, prepareLayerCache } from './layer-cache.js';
import { startLocalServer, type LocalServer } from './local-server.js';
import type { TrivyOptions } from '../config/trivy.js';
import { runProcess, type ProcessResult } from '../lib/process.js';
import type { ImageScanner, ScanOutcome, ScanTarget } from './scanner.js';
import type { DbInfo } from '../core/results.js';
import { readDbMetadata } from './db-metadata.js';
import { DETECTED_LAYERS, MISSING_LAYER, unparsedFile } from './debug-log.js';
import { LayerVerifier, verifiedLayersDir, type LayersVerified } from './layer-verification.js';
import {
  relocateReport,
  reportShapingArgs,
  ResultCache,
  resultCacheDir,
  resultKey,
  runKeyParts,
  type RunKeyParts,
} from './result-cache.js';

/** How to run Trivy: the user's options (minus how to obtain it), plus the binary found and retry timing. */
export interface TrivySettings extends Omit<TrivyOptions, 'checksum' | 'downloadUrl'> {
  binary: string;
  /** For the DB download: rate limits and flaky registries outlast one Trivy run's own retries. */
  downloadRetry: RetryPolicy;
}

/** Trivy's command and scanners per kind; an SBOM has no files to search for secrets. */
const SUBCOMMAND = {
  image: { command: 'image', input: true, scanners: 'vuln,secret' },
  fs: { command: 'fs', input: false, scanners: 'vuln,secret' },
  sbom: { command: 'sbom', input: false, scanners: 'vuln' },
} as const;

/** What Trivy is given to read: a file or directory, or (after `--`) a reference with where to pull it from. */
function targetArgs(target: ScanTarget): string[] {
  const { remote } = target;
  if (remote) {
    const platform = remote.trivyPlatform ? ['--platform', remote.trivyPlatform] : [];
    return ['--image-src', remote.source === 'daemon' ? 'docker' : 'remote', ...platform];
  }
  return SUBCOMMAND[target.kind].input ? ['--input', path.resolve(target.path)] : [path.resolve(target.path)];
}

export class TrivyScanner implements ImageScanner {
  private localServer: LocalServer | undefined;
  /** Several targets: the local server, started by the first scan that needs Trivy (none if every report is reused). */
  private serverStart: (() => Promise<LocalServer>) | undefined;
  private serverStarting: Promise<LocalServer> | undefined;
  /** Reports of unchanged images: with the layer cache on and the DBs known here (no remote server). */
  private results: { cache: ResultCache; run: RunKeyParts } | undefined;
  /** Archives' layers checked against their diff IDs; kept between runs beside a local layer cache. */
  private verifier = new LayerVerifier();

  constructor(
    private readonly settings: TrivySettings,
    private readonly logger: Logger,
    private readonly parentEnv: NodeJS.ProcessEnv,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async prepare({ targets }: { targets: number }): Promise<void> {
    const { server, offline, cacheDir, layerCache } = this.settings;
    // A remote server's cache is not this machine's to vouch for: every layer Trivy may analyse is checked.
    this.verifier = new LayerVerifier(layerCache.enabled && !server ? verifiedLayersDir(cacheDir) : undefined);
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
    } else {
      await this.download('--download-db-only', 'vulnerability DB');
      if (this.settings.javaDb) await this.download('--download-java-db-only', 'Java DB');
    }
    if (layerCache.enabled) {
      await prepareLayerCache({
        cacheDir,
        trivyVersion: this.settings.version,
        maxBytes: layerCache.maxMb * 1048576,
        now: this.now(),
        logger: this.logger,
      });
      const cache = new ResultCache(resultCacheDir(cacheDir));
      await cache.prune();
      const { trivyDb, javaDb } = await this.databases();
      const run = await runKeyParts({
        trivyVersion: this.settings.version,
        // Trivy reads a Java DB left in the cache dir even with java-db off: it is in the key whenever it is there.
        databases: { trivyDb, javaDb },
        vexFiles: this.settings.vexFiles,
      });
      // Without the DB's metadata a new DB could not be told from the old one: nothing is reused then.
      if (trivyDb) this.results = { cache, run };
    }
    // Several targets: one server owns the layer cache and every scan is its client; shared layers are analysed once.
    if (targets > 1) {
      if (!layerCache.enabled) await rm(layerCacheDir(cacheDir), { recursive: true, force: true });
      this.serverStart = () =>
        startLocalServer({ binary: this.settings.binary, cacheDir, parentEnv: this.parentEnv, logger: this.logger });
    }
  }

  /** Started once, by whichever scan needs it first; the others wait for the same start. */
  private async ensureServer(): Promise<void> {
    if (!this.serverStart) return;
    this.serverStarting ??= this.serverStart();
    this.localServer = await this.serverStarting;
  }

  async close(): Promise<void> {
    const server = this.localServer ?? (await this.serverStarting?.catch(() => undefined));
    this.serverStart = undefined;
    this.localServer = undefined;
    await server?.stop();
    await this.verifier.idle();
    const { layerCache, cacheDir } = this.settings;
    // Shared within the run only: nothing of it is kept.
    if (server && !layerCache.enabled) await rm(layerCacheDir(cacheDir), { recursive: true, force: true });
    if (this.verifier.mismatched && layerCache.enabled && !this.settings.server) {
      this.logger.warning(
        'The layer cache is started anew: a layer whose bytes did not match its diff ID may have been analysed into it',
      );
      await rm(layerCacheDir(cacheDir), { recursive: true, force: true });
    }
  }

  async scan({ target, reportPath }: { target: ScanTarget; reportPath: string }): Promise<ScanOutcome> {
    const { timeoutSeconds } = this.settings;
    const where = target.remote?.name ?? target.path;
    // The server's address and the cache backend are not part of the key: the key is the same before it starts.
    const flags = reportShapingArgs(this.scanArgs(target, reportPath));
    const key =
      this.results && target.content ? resultKey({ ...this.results.run, content: target.content, flags }) : undefined;
    const reused = key ? await this.reuse(key, target, reportPath) : undefined;
    if (reused) return reused;
    // Alongside Trivy; awaited before the report counts or is kept. A failed scan does not wait for it.
    const verifying = this.verifyLayers(target, flags);
    verifying.catch(() => undefined);
    if (!target.unchecked) await this.ensureServer();
    const down = this.localServer?.exited();
    if (down !== undefined) throw new ScanError(`${where}: not scanned: ${down}`);
    const args = this.scanArgs(target, reportPath);
    const analysed = new Set<string>();
    const unparsed: string[] = [];
    let total: number | undefined;
    const result = await this.run({
      args,
      timeoutMs: timeoutSeconds * 1000,
      onStderrLine: (line) => {
        const missing = MISSING_LAYER.exec(line);
        if (missing?.[1]) analysed.add(missing[1]);
        const detected = DETECTED_LAYERS.exec(line);
        if (detected?.[1] !== undefined) total = (detected[1].match(/sha256:/g) ?? []).length;
        const broken = target.kind === 'fs' ? unparsedFile(line) : undefined;
        if (broken) unparsed.push(broken);
      },
    });
    // First, whatever Trivy did (a failed scan may have written to the cache already): each layer it analysed for
    // this archive is hashed from this archive's own bytes (Trivy silent about which: every layer).
    const layersVerified = await this.checkAnalysed(verifying, total === undefined ? undefined : analysed);
    if (result.timedOut)
      throw new ScanError(`${where}: Trivy did not finish within ${timeoutSeconds} s (scan-timeout)`);
    if (result.exitCode !== 0) {
      const serverDown = this.localServer?.exited();
      const why = serverDown ?? lastErrorLine(result.stderr);
      throw new ScanError(`${where}: Trivy failed (exit ${result.exitCode}): ${why}`);
    }
    if (unparsed.length > 0) {
      const more = unparsed.length > 1 ? ` (and ${unparsed.length - 1} more)` : '';
      throw new ScanError(
        `${where}: Trivy could not parse a file, so its findings would be missing: ${unparsed[0]}${more}`,
      );
    }
    const layers: LayerStats | undefined =
      total === undefined
        ? undefined
        : { total, analysed: analysed.size, fromCache: Math.max(0, total - analysed.size) };
    // Kept for the next run; a cache that cannot be written costs that run a scan, never this one its result.
    if (key && this.results) {
      await this.results.cache.put(key, reportPath).catch((err: unknown) => {
        this.logger.debug(`Result cache: ${where} not kept (${errorCode(err)})`);
      });
    }
    return { layers, ...(layersVerified ? { layersVerified } : {}) };
  }

  /** An image archive's layers against its diff IDs; undefined for what is not an archive read beforehand. */
  private async verifyLayers(target: ScanTarget, flags: string[]) {
    const { content, layerPlaces } = target;
    if (content?.kind !== 'archive' || !layerPlaces) return undefined;
    const layers = {
      source: target.path,
      diffIds: content.diffIds,
      places: layerPlaces,
      namespace: JSON.stringify([this.settings.version, flags]),
    };
    return { layers, verification: await this.verifier.verify(layers) };
  }

  private async checkAnalysed(
    verifying: ReturnType<TrivyScanner['verifyLayers']>,
    analysed: Set<string> | undefined,
  ): Promise<LayersVerified | undefined> {
    const checked = await verifying;
    return checked ? this.verifier.confirm(checked.layers, checked.verification, analysed) : undefined;
  }

  /** A report that cannot count after all: a layer it names did not match in another archive of the run. */
  untrusted(target: ScanTarget): string | undefined {
    const { content } = target;
    return content?.kind === 'archive' ? this.verifier.untrusted(target.path, content.diffIds) : undefined;
  }

  async baseAnalysedBefore(target: ScanTarget): Promise<boolean> {
    const base = target.content?.kind === 'archive' ? target.content.diffIds[0] : undefined;
    if (base === undefined || !target.layerPlaces) return false;
    // The report's path is not among the flags that shape it: any path gives the same namespace.
    const flags = reportShapingArgs(this.scanArgs(target, 'report.json'));
    return this.verifier.checkedBefore(JSON.stringify([this.settings.version, flags]), base);
  }

  /** An earlier run's report for the same key, written where this scan's goes; undefined on a miss. */
  private async reuse(key: string, target: ScanTarget, reportPath: string): Promise<ScanOutcome | undefined> {
    const text = await this.results?.cache.get(key);
    if (text === undefined) return undefined;
    const artifact = target.remote ? target.path : path.resolve(target.path);
    let relocated: string;
    try {
      relocated = relocateReport(text, artifact);
    } catch {
      return undefined;
    }
    await writeFile(reportPath, relocated);
    const total = target.content?.kind === 'archive' ? target.content.diffIds.length : undefined;
    // Kept only after its layers were checked (schema 2): the report is of the verified layers.
    return {
      reused: true,
      ...(total === undefined
        ? {}
        : { layers: { total, analysed: 0, fromCache: total }, layersVerified: { hashed: 0, known: total } }),
    };
  }

  private scanArgs(target: ScanTarget, reportPath: string): string[] {
    const sub = SUBCOMMAND[target.kind];
    return [
      sub.command,
      ...targetArgs(target),
      '--scanners',
      sub.scanners,
      '--format',
      'json',
      '--output',
      path.resolve(reportPath),
      // Every package: for the SBOM, and for code its lockfile line (SARIF) and GitLab's dependency list.
      ...(target.kind === 'image' && !this.settings.listAllPackages ? [] : ['--list-all-pkgs']),
      ...this.scanFlags(target),
      // A reference is never read as an option, whatever it holds.
      ...(target.remote ? ['--', target.path] : []),
    ];
  }

  private scanFlags(target: ScanTarget): string[] {
    const { cacheDir, timeoutSeconds, server, offline, layerCache } = this.settings;
    const flags = [
      // The DBs (and, scanning alone, the layer cache) live here.
      '--cache-dir',
      path.resolve(cacheDir),
      '--skip-db-update',
      '--skip-java-db-update',
      '--skip-version-check',
      '--disable-telemetry',
      // Not --quiet: it silences the FATAL line that says why a scan failed. --debug: which layers were analysed.
      '--no-progress',
      '--debug',
      '--timeout',
      `${timeoutSeconds + 30}s`,
    ];
    if (offline) flags.push('--offline-scan');
    // What VEX suppresses stays in the report (ExperimentalModifiedFindings), so vulngate can show it as decided.
    for (const file of this.settings.vexFiles) flags.push('--vex', path.resolve(file));
    if (this.settings.vexFiles.length > 0) flags.push('--show-suppressed');
    // An archive whose layers could not be checked never writes to the shared cache (a configured server aside).
    const isolated = target.unchecked === true && !server;
    const remote = isolated ? undefined : (server?.url ?? this.localServer?.url);
    if (remote) flags.push('--server', remote);
    // Alone, the scan owns the fs cache; with the cache off, nothing is written.
    else flags.push('--cache-backend', layerCache.enabled && !isolated ? 'fs' : 'memory');
    return flags;
  }

  async databases(): Promise<{ trivyDb?: DbInfo; javaDb?: DbInfo }> {
    if (this.settings.server) return {};
    const read = (dir: string) => readDbMetadata(path.join(this.settings.cacheDir, dir, 'metadata.json'));
    const [trivyDb, javaDb] = await Promise.all([read('db'), read('java-db')]);
    return { ...(trivyDb ? { trivyDb } : {}), ...(javaDb ? { javaDb } : {}) };
  }

  private download(flag: '--download-db-only' | '--download-java-db-only', what: string): Promise<void> {
    return downloadDb({
      flag,
      what,
      cacheDir: this.settings.cacheDir,
      repositories: this.settings.dbRepositories,
      policy: this.settings.downloadRetry,
      logger: this.logger,
      run: (args, timeoutMs) => this.run({ args, timeoutMs }),
    });
  }

  /** Each run gets an empty working directory, so a stray trivy.yaml or .trivyignore is never read. */
  private async run(args: {
    args: string[];
    timeoutMs: number;
    onStderrLine?: (line: string) => void;
  }): Promise<ProcessResult> {
    const cwd = await mkdtemp(path.join(tmpdir(), 'vulngate-trivy-'));
    const token = this.settings.server?.token ?? this.localServer?.token;
    const extra: Record<string, string> = token ? { TRIVY_TOKEN: token } : {};
    // The run's own Docker config: the job's logins plus registry-username's, each for its one registry.
    if (this.settings.dockerConfigDir) extra.DOCKER_CONFIG = this.settings.dockerConfigDir;
    try {
      return await runProcess({
        command: this.settings.binary,
        args: args.args,
        cwd,
        env: cleanTrivyEnvironment(this.parentEnv, extra),
        timeoutMs: args.timeoutMs,
        onStderrLine: args.onStderrLine,
      });
    } catch (err) {
      throw new ScanError(`cannot run Trivy at ${this.settings.binary} (${errorCode(err)})`);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }
}
