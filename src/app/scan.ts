import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { describeError, isGateError } from '../core/errors.js';
import type { LayerStats } from '../core/finding.js';
import type { Logger } from '../core/logger.js';
import { readImageLayers } from '../trivy/image-layers.js';
import type { ImageScanner, ScanTarget } from '../trivy/scanner.js';
import { addParsed, withoutSource, type Collected } from './collect.js';
import { planScans } from './schedule.js';
import { targetName, type ResolvedTargets } from './targets.js';

export interface ScanArgs {
  targets: ResolvedTargets;
  parallel: number;
  createScanner: () => Promise<ImageScanner>;
  logger: Logger;
  reportsDir: string;
  /** The repository root: fs and sbom targets are named relative to it. */
  workspace: string;
}

type ScanResult =
  { target: ScanTarget; reportPath: string; text: string; layers?: LayerStats } | { target: ScanTarget; error: string };

/**
 * Scans every target: images sharing a base layer after the first of them, code directories and SBOMs in the same
 * pool. Results in order: images, then directories, then SBOMs, each as given.
 */
export async function scanTargets({
  targets: resolved,
  parallel,
  createScanner,
  logger,
  reportsDir,
  workspace,
}: ScanArgs): Promise<Collected> {
  const targets: ScanTarget[] = [
    ...resolved.images.map((p) => ({ kind: 'image' as const, path: p })),
    ...resolved.fs.map((p) => ({ kind: 'fs' as const, path: p })),
    ...resolved.sboms.map((p) => ({ kind: 'sbom' as const, path: p })),
  ];
  const scanner = await createScanner();
  const results: ScanResult[] = [];
  try {
    await scanner.prepare({ targets: targets.length });
    // Best effort: an archive whose manifest cannot be read is scanned alone, and Trivy says what is wrong with it.
    const layers = await Promise.all(
      targets.map((t) =>
        t.kind !== 'image'
          ? undefined
          : readImageLayers(t.path).then(
              (l) => l.diffIds,
              () => undefined,
            ),
      ),
    );
    const plan = planScans(layers);
    const groups =
      resolved.images.length > 1
        ? `; images in ${plan.leaders.length - resolved.fs.length - resolved.sboms.length} group(s) by base layer`
        : '';
    logger.info(`Scanning ${describeCounts(resolved)}, ${parallel} at a time${groups}`);
    const limit = pLimit(parallel);
    const scanOne = (index: number) =>
      limit(async () => {
        const target = targets[index];
        if (!target) return;
        results[index] = await scanTarget({ scanner, target, index, reportsDir, logger, workspace });
      });
    await Promise.all(
      plan.leaders.map(async (leader) => {
        await scanOne(leader);
        await Promise.all((plan.followers.get(leader) ?? []).map(scanOne));
      }),
    );
  } finally {
    await scanner.close();
  }
  const collected: Collected = { reports: [], errors: [] };
  for (const result of results) {
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
      ...(target.kind === 'image' ? {} : { name }),
    });
    if (report && result.layers) report.layers = result.layers;
  }
  return collected;
}

function describeCounts(targets: ResolvedTargets): string {
  const parts = [
    targets.images.length > 0 ? `${targets.images.length} image tarball(s)` : '',
    targets.fs.length > 0
      ? `${targets.fs.length} ${targets.fs.length === 1 ? 'directory' : 'directories'} of code`
      : '',
    targets.sboms.length > 0 ? `${targets.sboms.length} SBOM(s)` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/** `001-api.json`, `004-fs-services_api.json`, `005-sbom-app.cdx.json`. */
function reportFileName(target: ScanTarget, index: number, workspace: string): string {
  const name = targetName(target, workspace);
  const slug =
    target.kind === 'image'
      ? name
      : `${target.kind}-${name === '.' ? 'root' : name.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '_')}`;
  return `${String(index + 1).padStart(3, '0')}-${slug}.json`;
}

async function scanTarget(args: {
  scanner: ImageScanner;
  target: ScanTarget;
  index: number;
  reportsDir: string;
  logger: Logger;
  workspace: string;
}): Promise<ScanResult> {
  const { target } = args;
  const reportPath = path.join(args.reportsDir, reportFileName(target, args.index, args.workspace));
  const started = Date.now();
  try {
    const { layers } = await args.scanner.scan({ target, reportPath });
    const cached = layers ? `; layers: ${layers.analysed} analysed, ${layers.fromCache} from the cache` : '';
    args.logger.info(`Scanned ${target.path} in ${((Date.now() - started) / 1000).toFixed(1)} s${cached}`);
    return { target, reportPath, text: await readFile(reportPath, 'utf8'), layers };
  } catch (err) {
    if (isGateError(err)) return { target, error: withoutSource(err.message, target.path) };
    return { target, error: `scanner failed: ${describeError(err)}` };
  }
}
