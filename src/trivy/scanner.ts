/** The scanner as the pipeline sees it: the Trivy implementation lives beside it. */
export interface ImageScanner {
  /** Once per run, before any scan: make the vulnerability DB ready. */
  prepare(): Promise<void>;
  /** Writes Trivy's JSON report for one tarball; throws ScanError naming the tarball. */
  scan(args: { tarball: string; reportPath: string }): Promise<void>;
}
