import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
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
    const gzipped = await writeMeasured(file, chunks);
    if (perRun <= 1 || gzipped <= limits.gzippedBytes)
      return { results: plan.omittedResults + omitted, runs: plan.omittedRuns };
  }
}

/** Writes the chunks to the file and returns their gzipped size; waits whenever either side is behind. */
async function writeMeasured(file: string, chunks: Iterable<string>): Promise<number> {
  const out = createWriteStream(file);
  // Level 1: faster than the default and never smaller, so a log that fits here fits as uploaded (level 6).
  const gzip = createGzip({ level: 1 });
  let gzipped = 0;
  gzip.on('data', (c: Buffer) => {
    gzipped += c.length;
  });
  const gzipDone = once(gzip, 'end');
  for (const chunk of chunks) {
    out.write(chunk);
    gzip.write(chunk);
    // Checked when awaited: one side may drain while we wait for the other.
    if (out.writableNeedDrain) await once(out, 'drain');
    if (gzip.writableNeedDrain) await once(gzip, 'drain');
  }
  out.end('\n');
  gzip.end();
  await Promise.all([once(out, 'finish'), gzipDone]);
  return gzipped;
}
