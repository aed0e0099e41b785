import { randomUUID } from 'node:crypto';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeError, ScanError, errorCode } from '../core/errors.js';
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
import { TrivyScanLog } from './debug-log.js';
import { SUBCOMMAND, targetArgs } from './trivy-args.js';
import { writeImageView, reportAsArchive } from './image-view.js';
import { LayerStore, verifiedLayersDir, type ArchiveLayers } from './layer-verification.js';
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

export class TrivyScanner implements ImageScanner {
  private localServer: LocalServer | undefined;
  /** Several targets: the local server, started by the first scan that needs Trivy (none if every report is reused). */
  private serverStart: (() => Promise<LocalServer>) | undefined;
  private serverStarting: Promise<LocalServer> | undefined;
  /** Reports of unchanged images: with the layer cache on and the DBs known here (no remote server). */
  private results: { cache: ResultCache; run: RunKeyParts } | undefined;
  /** Archives' layers, checked against their diff IDs: what Trivy scans of them (this run's). */
  private store: LayerStore | undefined;

  constructor(
    private readonly settings: TrivySettings,
    private readonly logger: Logger,
    private readonly parentEnv: NodeJS.ProcessEnv,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async prepare({ targets }: { targets: number }): Promise<void> {
    const { server, offline, cacheDir, layerCache } = this.settings;
    // A remote server's cache is not this machine's to vouch for: no check is kept for it.
    this.store = await LayerStore.create(layerCache.enabled && !server ? verifiedLayersDir(cacheDir) : undefined);
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
    await this.store?.close();
    this.store = undefined;
    // Shared within the run only: nothing of it is kept.
    if (server && !this.settings.layerCache.enabled)
      await rm(layerCacheDir(this.settings.cacheDir), { recursive: true, force: true });
  }

  async scan({ target, reportPath }: { target: ScanTarget; reportPath: string }): Promise<ScanOutcome> {
    const where = target.remote?.name ?? target.path;
    // The server's address and the cache backend are not part of the key: the key is the same before it starts.
    const flags = reportShapingArgs(this.scanArgs(target, reportPath));
    const key =
      this.results && target.content ? resultKey({ ...this.results.run, content: target.content, flags }) : undefined;
    const reused = key ? await this.reuse(key, target, reportPath) : undefined;
    if (reused) return reused;
    const { layers, layersVerified } = await this.scanArchiveOrTarget(target, reportPath, flags);
    // Kept for the next run; a cache that cannot be written costs that run a scan, never this one its result.
    if (key && this.results) {
      await this.results.cache.put(key, reportPath).catch((err: unknown) => {
        this.logger.debug(`Result cache: ${where} not kept (${errorCode(err)})`);
      });
    }
    return { layers, ...(layersVerified ? { layersVerified } : {}) };
  }

  /** An archive read beforehand is scanned as a layout of its checked layers, named after the archive after. */
  private async scanArchiveOrTarget(target: ScanTarget, reportPath: string, flags: string[]) {
    const { archive } = target;
    if (!archive || !this.store) return { layers: await this.runTrivy(target, reportPath) };
    // The local server starts while the layers are copied (a 200 MB base: ~0.3 s); runTrivy waits for it.
    this.ensureServer().catch(() => undefined);
    const source = {
      source: target.path,
      diffIds: archive.diffIds,
      places: archive.layers,
      namespace: this.namespace(flags),
    };
    let view = await this.view(archive.config, source, true);
    let layers: LayerStats | undefined;
    let counts = view.counts;
    try {
      layers = await this.runTrivy(target, reportPath, view.dir);
    } catch (err) {
      if (!view.leftOut) throw err;
      // A layer an earlier run checked was not in Trivy's cache after all: again, with every layer in the layout.
      this.logger.debug(`${target.path}: scanned again with every layer (${describeError(err)})`);
      const first = view.counts;
      await rm(view.dir, { recursive: true, force: true });
      view = await this.view(archive.config, source, false);
      counts = { hashed: first.hashed + view.counts.hashed, known: view.counts.known - first.hashed };
      layers = await this.runTrivy(target, reportPath, view.dir);
    } finally {
      // Links and a few small files; a layout that had to copy (copies on two file systems) is freed at once.
      await rm(view.dir, { recursive: true, force: true });
    }
    await this.store.remember(source.namespace, view.files);
    const text = await readFile(reportPath, 'utf8');
    const named = reportAsArchive(text, { artifactName: path.resolve(target.path), repoTags: archive.repoTags });
    await writeFile(reportPath, named);
    return { layers, layersVerified: counts };
  }

  private namespace(flags: string[]): string {
    return JSON.stringify([this.settings.version, flags]);
  }

  /** A layout of the archive's checked layers in a directory of its own; throws ScanError when a layer differs. */
  private async view(config: Buffer, source: ArchiveLayers, leaveOutKept: boolean) {
    const store = this.store;
    if (!store) throw new ScanError(`${source.source}: no layer store`);
    const { files, counts } = await store.layers(source, leaveOutKept);
    const dir = path.join(store.viewsDirFor(files), randomUUID());
    await writeImageView({ dir, config, layers: files });
    return { dir, counts, files, leftOut: files.some((file) => !('file' in file)) };
  }

  /** One Trivy process for the target (or, for an archive, the layout `input`); throws ScanError naming it. */
  private async runTrivy(target: ScanTarget, reportPath: string, input?: string): Promise<LayerStats | undefined> {
    const { timeoutSeconds } = this.settings;
    const where = target.remote?.name ?? target.path;
    if (!target.unchecked) await this.ensureServer();
    const down = this.localServer?.exited();
    if (down !== undefined) throw new ScanError(`${where}: not scanned: ${down}`);
    const log = new TrivyScanLog(target.kind === 'fs');
    const result = await this.run({
      args: this.scanArgs(target, reportPath, input),
      timeoutMs: timeoutSeconds * 1000,
      onStderrLine: (line) => log.read(line),
    });
    if (result.timedOut)
      throw new ScanError(`${where}: Trivy did not finish within ${timeoutSeconds} s (scan-timeout)`);
    if (result.exitCode !== 0) {
      const serverDown = this.localServer?.exited();
      const why = serverDown ?? lastErrorLine(result.stderr);
      throw new ScanError(`${where}: Trivy failed (exit ${result.exitCode}): ${why}`);
    }
    const broken = log.unparsedFiles();
    if (broken)
      throw new ScanError(`${where}: Trivy could not parse a file, so its findings would be missing: ${broken}`);
    return log.layers();
  }

  async baseAnalysedBefore(target: ScanTarget): Promise<boolean> {
    const base = target.content?.kind === 'archive' ? target.content.diffIds[0] : undefined;
    if (base === undefined || !target.archive || !this.store) return false;
    // The report's path is not among the flags that shape it: any path gives the same namespace.
    const flags = reportShapingArgs(this.scanArgs(target, 'report.json'));
    return this.store.checkedBefore(this.namespace(flags), base);
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

  private scanArgs(target: ScanTarget, reportPath: string, input?: string): string[] {
    const sub = SUBCOMMAND[target.kind];
    return [
      sub.command,
      ...(input ? ['--input', input] : targetArgs(target)),
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
