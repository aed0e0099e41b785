import { writeChunks } from './stream-file.js';
import { SARIF_LIMITS, planSarif, sarifChunks, type SarifOptions } from '../render/sarif.js';

/**
 * Writes vulngate.sarif run by run while gzip (on libuv's thread pool, so on the other core) measures the size
 * GitHub will see. When the log is over GitHub's gzipped limit, it is written again with half as many results per
 * run, until it fits; blocking findings sort first, so they stay. Memory holds one run at a time, never the log.
 */
export async function writeSarifFile(file: string, options: SarifOptions): Promise<{ results: number; runs: number }> {
  const limits = options.limits ?? SARIF_LIMITS;
  const plan = planSarif(options);
  for (let perRun = limits.resultsPerRun; ; perRun = Math.floor(perRun / 2)) {
    const { chunks, omitted } = sarifChunks(options, plan, perRun);
    const gzipped = await writeChunks(file, chunks, true);
    if (perRun <= 1 || gzipped <= limits.gzippedBytes)
      return { results: plan.omittedResults + omitted, runs: plan.omittedRuns };
  }
}
