import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { describeError, isGateError, ScanError } from '../core/errors.js';
import type { LayersVerified, LayerStats } from '../core/finding.js';
import type { DbInfo, RunWarning } from '../core/results.js';
import type { Logger } from '../core/logger.js';
import type { ImageLayers } from '../trivy/image-layers.js';
import { tarballSha256 } from '../trivy/file-hashes.js';
import type { ImageScanner, ScanTarget } from '../trivy/scanner.js';
import { remoteTargets } from './remote-images.js';
import { contentOf, imageEvidence, readArchive, remoteEvidence } from './image-evidence.js';
import { addParsed, withoutSource, type Collected } from './collect.js';
import { planScans } from './schedule.js';
import { targetName, type ResolvedTargets } from './targets.js';
import { Timings } from '../core/timings.js';
import { reportFileName, writeSbom } from './scan-files.js';

export interface ScanArgs {
  targets: ResolvedTargets;
  /** Where each target's CycloneDX SBOM goes; undefined: none written. */
  sbomDir?: string;
  dbAge: { maxHours: number; strict: boolean };
  now: () => Date;
  /** Record each tarball's sha256 (reads every byte once, alongside the scan). */
  hashTarballs: boolean;
  /** Where tarball hashes are kept per file identity; undefined: every tarball is read. */
  hashesDir?: string;
  /** A scan still running after this many seconds says so, and again every as many. */
  heartbeatSeconds: number;
  parallel: number;
  createScanner: () => Promise<ImageScanner>;
  logger: Logger;
  reportsDir: string;
  /** The repository root: fs and sbom targets are named relative to it. */
  workspace: string;
  /** Where the time goes, phase by phase. */
  timings?: Timings;
  /** Registry images: platforms, logins, and how long a lookup may take. */
  registry?: Omit<Parameters<typeof remoteTargets>[0], 'entries' | 'logger'>;
}

type ScanResult =
  | {
      target: ScanTarget;
      reportPath: string;
      text: string;
      layers?: LayerStats;
      sha256?: string;
      layersVerified?: LayersVerified;
    }
  | { target: ScanTarget; error: string };

/**
 * Scans every target: images sharing a base layer after the first of them, code directories and SBOMs in the same
 * pool. Results in order: images, then directories, then SBOMs, each as given.
 */
// eslint-disable-next-line max-lines-per-function -- split once the concurrent work on this file has landed
export async function scanTargets(args: ScanArgs): Promise<Collected> {
  const { targets: resolved, parallel, createScanner, logger, reportsDir, workspace } = args;
  const timings = args.timings ?? new Timings();
  // Registry images are pinned to digests first: the record names what was pulled, whatever the tag does meanwhile.
  const { registry } = args;
  const remote =
    resolved.remote.length > 0 && registry
      ? await timings.time('registry lookups', () => remoteTargets({ ...registry, entries: resolved.remote, logger }))
      : { targets: [], errors: [], warnings: [] };
  const targets: ScanTarget[] = [
    ...resolved.images.map((p) => ({ kind: 'image' as const, path: p })),
    ...remote.targets,
    ...resolved.fs.map((p) => ({ kind: 'fs' as const, path: p })),
    ...resolved.sboms.map((p) => ({ kind: 'sbom' as const, path: p })),
  ];
  const results: ScanResult[] = [];
  let databases: Collected['databases'];
  const warnings: RunWarning[] = [...remote.warnings];
  if (targets.length === 0) return { reports: [], errors: remote.errors, warnings };
  const scanner = await createScanner();
  let archives: (ImageLayers | undefined)[] = [];
  try {
    // The archives' manifests are read while the DB is checked and the local server starts.
    [archives] = await timings.time('Trivy DB, image manifests', () =>
      Promise.all([
        Promise.all(targets.map((t) => (t.kind !== 'image' || t.remote ? undefined : readArchive(t.path, logger)))),
        scanner.prepare({ targets: targets.length }),
      ]),
    );
    targets.forEach((target, index) => {
      const content = contentOf(target, archives[index]);
      if (content) target.content = content;
      const archive = archives[index];
      if (archive) target.archive = archive;
      // An archive that could not be read, and a registry or daemon image (whose config's diff IDs Trivy believes
      // without a copy to check), are scanned with a cache of their own: neither can put an analysis under a diff ID
      // that a checked archive would then be judged by.
      else if (target.kind === 'image') target.unchecked = true;
    });
    databases = await scanner.databases();
    const stale = checkDbAge({ db: databases.trivyDb, ...args.dbAge, now: args.now(), logger });
    if (stale) warnings.push(stale);
    // Images whose base an earlier run analysed start at once: waiting for one of them to fill the cache gains nothing.
    const cached = await Promise.all(targets.map((t) => scanner.baseAnalysedBefore(t)));
    const plan = planScans(archives.map((a, index) => (cached[index] ? undefined : a?.diffIds)));
    const groups =
      resolved.images.length > 1
        ? `; images in ${plan.leaders.length - (targets.length - resolved.images.length)} group(s) by base layer`
        : '';
    logger.info(`Scanning ${describeCounts(resolved, remote.targets.length)}, ${parallel} at a time${groups}`);
    const limit = pLimit(parallel);
    const scanOne = (index: number) =>
      limit(async () => {
        const target = targets[index];
        if (!target) return;
        results[index] = await scanTarget({
          scanner,
          target,
          index,
          reportsDir,
          logger,
          workspace,
          hashTarball: args.hashTarballs,
          hashesDir: args.hashesDir,
          heartbeatMs: args.heartbeatSeconds * 1000,
        });
      });
    await timings.time(`scans (${parallel} at a time)`, () =>
      Promise.all(
        plan.leaders.map(async (leader) => {
          await scanOne(leader);
          await Promise.all((plan.followers.get(leader) ?? []).map(scanOne));
        }),
      ),
    );
  } finally {
    await timings.time('stopping the local server', () => scanner.close());
  }
  return timings.time('reading reports, SBOMs', () =>
    collectResults({ ...args, results, remote, databases, warnings, archives }),
  );
}

async function collectResults(
  args: ScanArgs & {
    results: ScanResult[];
    remote: { errors: Collected['errors'] };
    databases: Collected['databases'];
    warnings: RunWarning[];
    archives: (ImageLayers | undefined)[];
  },
): Promise<Collected> {
  const { results, remote, databases, warnings, archives, workspace } = args;
  const collected: Collected = { reports: [], errors: [...remote.errors], databases, warnings };
  for (const [index, result] of results.entries()) {
    const { target } = result;
    const name = targetName(target, workspace);
    if ('error' in result) {
      collected.errors.push({ image: name, kind: target.kind, source: target.path, message: result.error });
      continue;
    }
    const report = addParsed(collected, {
      text: result.text,
      reportPath: result.reportPath,
      fallbackName: target.path,
      source: target.path,
      kind: target.kind,
      ...(target.kind === 'image' && !target.remote ? {} : { name }),
    });
    if (!report) continue;
    if (target.remote) {
      // A reference is no file: the identity is the repository (and a platform other than linux/amd64).
      delete report.source;
      if (target.remote.variant) report.variant = target.remote.variant;
      report.evidence = remoteEvidence(target.remote, report.evidence);
    }
    if (result.layers) report.layers = result.layers;
    const sbomPath = await writeSbom({
      ...args,
      target,
      reportPath: result.reportPath,
      text: result.text,
      name: report.image,
    });
    if (sbomPath) report.sbomPath = sbomPath;
    if (target.kind === 'image' && !target.remote) {
      report.evidence = imageEvidence(archives[index], report.evidence, {
        tarballSha256: result.sha256,
        layersVerified: result.layersVerified,
      });
    }
  }
  return collected;
}

/** A file's sha256; a directory (OCI layout) has none, an unreadable file none either (Trivy says why). */
async function tarballHash(source: string, hashesDir: string | undefined): Promise<string | undefined> {
  try {
    return await tarballSha256(source, hashesDir);
  } catch {
    return undefined;
  }
}

/** A stale DB misses what was published since: said in the log, or with strict-db-age a scanner error. */
function checkDbAge(args: {
  db: DbInfo | undefined;
  maxHours: number;
  strict: boolean;
  now: Date;
  logger: Logger;
}): RunWarning | undefined {
  const updated = args.db ? Date.parse(args.db.updatedAt) : Number.NaN;
  if (Number.isNaN(updated)) return undefined;
  const hours = (args.now.getTime() - updated) / 3_600_000;
  if (hours <= args.maxHours) return undefined;
  const message =
    `The vulnerability DB was updated ${Math.floor(hours)} hours ago (${args.db?.updatedAt}), more than max-db-age ` +
    `${args.maxHours}: findings published since are missing`;
  if (args.strict) throw new ScanError(`${message} (strict-db-age)`);
  args.logger.warning(message);
  // In the summary and the record too: an auditor reads those, not the job log.
  return { code: 'stale-db', message };
}

function describeCounts(targets: ResolvedTargets, pulled: number): string {
  const parts = [
    targets.images.length > 0 ? `${targets.images.length} image tarball(s)` : '',
    pulled > 0 ? `${pulled} registry or daemon image(s)` : '',
    targets.fs.length > 0
      ? `${targets.fs.length} ${targets.fs.length === 1 ? 'directory' : 'directories'} of code`
      : '',
    targets.sboms.length > 0 ? `${targets.sboms.length} SBOM(s)` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

async function scanTarget(args: {
  scanner: ImageScanner;
  target: ScanTarget;
  index: number;
  reportsDir: string;
  logger: Logger;
  workspace: string;
  hashTarball: boolean;
  hashesDir?: string;
  heartbeatMs: number;
}): Promise<ScanResult> {
  const { target } = args;
  const fileName = reportFileName(target, args.index, args.workspace);
  const reportPath = path.join(args.reportsDir, fileName);
  const started = Date.now();
  // A long scan says it is alive, so a CI log never sits silent for minutes.
  const heartbeat = setInterval(
    () => args.logger.info(`Still scanning ${target.path}: ${Math.round((Date.now() - started) / 1000)} s`),
    args.heartbeatMs,
  );
  heartbeat.unref();
  try {
    // The tarball's bytes are hashed while Trivy scans it: reading 200 MB costs ~0.3 s of a core, overlapped.
    const hashing =
      args.hashTarball && target.kind === 'image' && !target.remote
        ? tarballHash(target.path, args.hashesDir)
        : undefined;
    const { layers, reused, layersVerified } = await args.scanner.scan({ target, reportPath });
    const sha256 = await hashing;
    const cached = reused
      ? '; the report of an earlier run (same image, Trivy, DBs, flags and VEX: result cache)'
      : layers
        ? `; layers: ${layers.analysed} analysed, ${layers.fromCache} from the cache`
        : '';
    args.logger.info(
      `Scanned ${target.remote?.name ?? target.path} in ${((Date.now() - started) / 1000).toFixed(1)} s${cached}`,
    );
    const text = await readFile(reportPath, 'utf8');
    return { target, reportPath, text, layers, sha256, ...(layersVerified ? { layersVerified } : {}) };
  } catch (err) {
    if (isGateError(err)) return { target, error: withoutSource(err.message, target.path) };
    return { target, error: `scanner failed: ${describeError(err)}` };
  } finally {
    clearInterval(heartbeat);
  }
}
