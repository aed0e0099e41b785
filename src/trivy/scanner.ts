import type { LayerStats } from '../core/finding.js';

export interface ScanOutcome {
  /** Undefined when Trivy did not say (it says so in its debug log). */
  layers?: LayerStats;
}

/** The scanner as the run sees it: the Trivy implementation lives beside it. */
export interface ImageScanner {
  /** Once per run, before any scan: the vulnerability DB, the layer cache, a local server for several images. */
  prepare(plan: { images: number }): Promise<void>;
  /** Writes Trivy's JSON report for one tarball; throws ScanError naming the tarball. */
  scan(args: { tarball: string; reportPath: string }): Promise<ScanOutcome>;
  /** Once per run, after the last scan, whatever happened: stops what prepare started. */
  close(): Promise<void>;
}
