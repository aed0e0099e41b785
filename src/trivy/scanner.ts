import type { LayersVerified, LayerStats, TargetKind } from '../core/finding.js';
import type { DbInfo } from '../core/results.js';
import type { ImageLayers } from './image-layers.js';
import type { ScannedContent } from './result-cache.js';

/** An image pulled by Trivy rather than read from a file: from a registry (pinned by digest) or the Docker engine. */
export interface RemoteImage {
  source: 'registry' | 'daemon';
  /** Its name in every output: the reference as given, with the platform when one of several was chosen. */
  name: string;
  /** The reference as the user gave it (with its tag). */
  reference: string;
  /** The platform scanned: from the index, else from the image's config (Trivy's report). */
  platform?: string;
  /** A platform chosen from an index other than linux/amd64: part of the target's identity. */
  variant?: string;
  /** Trivy picks this platform itself (the registry could not be asked; a credential helper holds the login). */
  trivyPlatform?: string;
  manifestDigest?: string;
  indexDigest?: string;
}

/** One thing to scan: an image tarball (or OCI layout), a registry or daemon image, a directory of code, an SBOM. */
export interface ScanTarget {
  kind: TargetKind;
  /** The file or directory; for a remote image the reference Trivy pulls (`repo@sha256:…` once resolved). */
  path: string;
  remote?: RemoteImage;
  /** What the image is, when known before the scan: lets an unchanged image reuse an earlier run's report. */
  content?: ScannedContent;
  /** An archive read beforehand: Trivy scans a layout of its checked layers (see image-view.ts), not the file. */
  archive?: ImageLayers;
  /**
   * An image whose layers are not checked here — an archive vulngate could not read (compressed, an entry twice,
   * layers the manifest and config disagree on), a registry or daemon image — is scanned with a cache of its own,
   * never the shared one (unless a remote Trivy server is configured: its cache is not this machine's).
   */
  unchecked?: boolean;
}

export interface ScanOutcome {
  /** Undefined when Trivy did not say (it says so in its debug log). */
  layers?: LayerStats;
  /** The report is an earlier run's, for the same image, Trivy, DBs, flags and VEX: no Trivy process ran. */
  reused?: boolean;
  /** An image archive's layers checked against their diff IDs: hashed now, or checked before. */
  layersVerified?: LayersVerified;
}

/** The scanner as the run sees it: the Trivy implementation lives beside it. */
export interface ImageScanner {
  /** Once per run, before any scan: the vulnerability DB, the layer cache, a local server for several images. */
  prepare(plan: { targets: number }): Promise<void>;
  /** Writes Trivy's JSON report for one target; throws ScanError naming its path. */
  scan(args: { target: ScanTarget; reportPath: string }): Promise<ScanOutcome>;
  /**
   * Whether an archive's base layer was analysed into the layer cache by an earlier run (its check is kept with the
   * cache): then its image need not wait for another image of its base to fill the cache.
   */
  baseAnalysedBefore(target: ScanTarget): Promise<boolean>;
  /** After prepare: the DBs' metadata (schema, updated, next update); undefined when a remote server holds them. */
  databases(): Promise<{ trivyDb?: DbInfo; javaDb?: DbInfo }>;
  /** Once per run, after the last scan, whatever happened: stops what prepare started. */
  close(): Promise<void>;
}
