import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { ConfigError, describeError, isGateError } from '../core/errors.js';
import type { LayerStats } from '../core/finding.js';
import type { Logger } from '../core/logger.js';
import { nameWithoutExtension } from '../core/trivy-report.js';
import { readImageLayers } from '../trivy/image-layers.js';
import type { ImageScanner } from '../trivy/scanner.js';
import { addParsed, findTarballs, withoutSource, type Collected } from './collect.js';
import { planScans } from './schedule.js';

export interface ScanArgs {
  patterns: string[];
  parallel: number;
  createScanner: () => Promise<ImageScanner>;
  logger: Logger;
  reportsDir: string;
}

type ScanResult =
  { tarball: string; reportPath: string; text: string; layers?: LayerStats } | { tarball: string; error: string };

/** Scans every tarball, images sharing a base layer after the first of them; results in tarball order. */
export async function scanTarballs({
  patterns,
  parallel,
  createScanner,
  logger,
  reportsDir,
}: ScanArgs): Promise<Collected> {
  const tarballs = await findTarballs(patterns);
  if (tarballs.length === 0) {
    const globs = patterns.map((p) => `'${p}'`).join(', ');
    throw new ConfigError(`images: no file matches ${globs} (expected image tarballs from docker save)`);
  }
  const scanner = await createScanner();
  const results: ScanResult[] = [];
  try {
    await scanner.prepare({ images: tarballs.length });
    // Best effort: an archive whose manifest cannot be read is scanned alone, and Trivy says what is wrong with it.
    const layers = await Promise.all(
      tarballs.map((t) =>
        readImageLayers(t).then(
          (l) => l.diffIds,
          () => undefined,
        ),
      ),
    );
    const plan = planScans(layers);
    const groups = plan.leaders.length;
    logger.info(
      `Scanning ${tarballs.length} image tarball(s), ${parallel} at a time; ${groups} group(s) by base layer`,
    );
    const limit = pLimit(parallel);
    const scanOne = (index: number) =>
      limit(async () => {
        results[index] = await scanTarball({ scanner, tarball: tarballs[index] ?? '', index, reportsDir, logger });
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
    if ('error' in result) {
      const image = nameWithoutExtension(result.tarball);
      collected.errors.push({ image, source: result.tarball, message: result.error });
      continue;
    }
    const args = {
      text: result.text,
      reportPath: result.reportPath,
      fallbackName: result.tarball,
      source: result.tarball,
    };
    const report = addParsed(collected, args);
    if (report && result.layers) report.layers = result.layers;
  }
  return collected;
}

async function scanTarball(args: {
  scanner: ImageScanner;
  tarball: string;
  index: number;
  reportsDir: string;
  logger: Logger;
}): Promise<ScanResult> {
  const { tarball } = args;
  const name = `${String(args.index + 1).padStart(3, '0')}-${nameWithoutExtension(tarball)}.json`;
  const reportPath = path.join(args.reportsDir, name);
  const started = Date.now();
  try {
    const { layers } = await args.scanner.scan({ tarball, reportPath });
    const cached = layers ? `; layers: ${layers.analysed} analysed, ${layers.fromCache} from the cache` : '';
    args.logger.info(`Scanned ${tarball} in ${((Date.now() - started) / 1000).toFixed(1)} s${cached}`);
    return { tarball, reportPath, text: await readFile(reportPath, 'utf8'), layers };
  } catch (err) {
    if (isGateError(err)) return { tarball, error: withoutSource(err.message, tarball) };
    return { tarball, error: `scanner failed: ${describeError(err)}` };
  }
}
