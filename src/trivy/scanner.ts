import type { LayerStats, TargetKind } from '../core/finding.js';
import type { DbInfo } from '../core/results.js';

/** One thing to scan: an image tarball (or OCI layout), a directory of code, or an SBOM file. */
export interface ScanTarget {
  kind: TargetKind;
  path: string;
}

export interface ScanOutcome {
  /** Undefined when Trivy did not say (it says so in its debug log). */
  layers?: LayerStats;
}

/** The scanner as the run sees it: the Trivy implementation lives beside it. */
export interface ImageScanner {
  /** Once per run, before any scan: the vulnerability DB, the layer cache, a local server for several images. */
  prepare(plan: { targets: number }): Promise<void>;
  /** Writes Trivy's JSON report for one target; throws ScanError naming its path. */
  scan(args: { target: ScanTarget; reportPath: string }): Promise<ScanOutcome>;
  /** After prepare: the DBs' metadata (schema, updated, next update); undefined when a remote server holds them. */
  databases(): Promise<{ trivyDb?: DbInfo; javaDb?: DbInfo }>;
  /** A CycloneDX SBOM from a report the scan wrote (no second scan); throws ScanError. */
  writeSbom(args: { reportPath: string; sbomPath: string }): Promise<void>;
  /** Once per run, after the last scan, whatever happened: stops what prepare started. */
  close(): Promise<void>;
}
