import type { Workload } from './cluster.js';
import type { Change, PreviousState } from './change.js';
import type { Decision } from './decision.js';
import type { EpssFacts, KevFacts } from './exploitation.js';
import type { ExceptionRule } from './profile.js';
import type { Severity } from './severity.js';
import { withoutTrailingSlashes } from './text.js';

export type FindingKind = 'vulnerability' | 'secret';

/** What was scanned: an image tarball, a directory of code (lockfiles), or an SBOM file. */
export type TargetKind = 'image' | 'fs' | 'sbom';
export const TARGET_KINDS: readonly TargetKind[] = ['image', 'fs', 'sbom'];

/** One vulnerability (or secret) in one package of one image, normalized from a Trivy report. */
export interface Finding {
  /** The scanned target's display name: the image, the directory (fs) or the SBOM file. */
  image: string;
  targetKind: TargetKind;
  /** Trivy's Target: for fs, the lockfile's path relative to the scanned directory. */
  target: string;
  class: string;
  type: string;
  kind: FindingKind;
  /** CVE/GHSA/… id, or the secret rule id. */
  id: string;
  /** Package name; for secrets, the file path. */
  package: string;
  /** The source package an OS package was built from (openssl for libssl3), where the report lists packages. */
  sourcePackage?: string;
  pkgId: string;
  purl: string;
  installedVersion: string;
  fixedVersion: string;
  status: string;
  severity: Severity;
  title: string;
  description: string;
  primaryUrl: string;
  references: string[];
  cweIds: string[];
  /** Highest CVSS v3 score over the vendors Trivy reports, else the highest v2; undefined when none. */
  cvss?: number;
  cvssVector?: string;
  /** Where in the file: the secret, or the package in its lockfile (from Trivy's package Locations). */
  startLine?: number;
  /** Listed in CISA's KEV catalogue (when the profile uses it). */
  kev?: KevFacts;
  /** FIRST's EPSS score (when the profile uses it). */
  epss?: EpssFacts;
  /** A VEX statement made Trivy suppress it: its status (not_affected, fixed), justification and document. */
  vex?: { status: string; justification: string; source: string };
}

/** A finding with its one decision: the shape every renderer and forwarder takes. */
export interface JudgedFinding extends Finding {
  /** The finding's one identity (core/identity.ts), computed once when it is judged. */
  fingerprint: string;
  decision: Decision;
  reason: string;
  /** The exception that excepted it. */
  exception?: ExceptionRule;
  /** Against the baseline, when there is one. */
  change?: Change;
  /** What a changed finding was in the baseline. */
  previous?: PreviousState;
}

/** Secrets are always actionable (remove them), so they never count as "unfixed". */
export function isFixable(finding: Finding): boolean {
  return finding.kind === 'secret' || finding.fixedVersion !== '';
}

/** How many of an image's layers Trivy analysed, and how many it found in its layer cache. */
export interface LayerStats {
  total: number;
  analysed: number;
  fromCache: number;
}

/** A lockfile (or SBOM) and every package Trivy found in it: GitLab's dependency_files. */
export interface DependencyFile {
  path: string;
  /** Trivy's type: npm, yarn, gomod, pip, cargo, … */
  type: string;
  packages: { name: string; version: string }[];
}

/** What ties a judged image to what shipped: its digests and the bytes of its tarball. */
export interface ImageEvidence {
  /** sha256 of the image config (the image ID). */
  imageId?: string;
  /** The manifest's digest, where the archive names it, or as the registry resolved it (what a deployment pins). */
  manifestDigest?: string;
  /** Registry and daemon images: the reference as given (with its tag). */
  reference?: string;
  /** The multi-platform index the reference named. */
  indexDigest?: string;
  /** `linux/arm64`: from the index, else the image's config. */
  platform?: string;
  /** registry/name@sha256:…, where the archive or report carries them. */
  repoDigests: string[];
  diffIds: string[];
  /**
   * An archive's layers checked against the diff IDs its config names (so the image ID is what was judged): hashed
   * in this run, or checked before (an earlier run with the same layer cache, or another archive of this run).
   */
  layersVerified?: LayersVerified;
  /** sha256 of the tarball that was scanned (tarball-sha256: true; not for OCI layout directories). */
  tarballSha256?: string;
}

export interface LayersVerified {
  /** Layers whose bytes this run hashed. */
  hashed: number;
  /** Layers checked before: by an earlier run with the same layer cache, or by another archive of this run. */
  known: number;
}

export interface ImageReport {
  /** Trivy's Metadata.OS.EOSL: the OS release gets no more security advisories. */
  endOfLife?: boolean;
  /** Display name: Metadata.RepoTags[0], else the tarball/report file name without extension; fs/sbom: the path. */
  image: string;
  kind: TargetKind;
  /** Where the Trivy JSON report lives (or will be written). */
  reportPath: string;
  /** The tarball, OCI layout, directory, SBOM or report file it was read from, as given: part of its identity. */
  source?: string;
  /** A registry image's platform other than linux/amd64, chosen from an index: part of its identity. */
  variant?: string;
  /** A cluster scan: where the image runs. */
  workloads?: Workload[];
  artifactName: string;
  os?: { family: string; name: string };
  trivyVersion: string;
  findings: Finding[];
  /** From the scan; undefined for reports read from files. */
  layers?: LayerStats;
  /** Images: digests from the report's metadata, completed from the archive when vulngate scanned it. */
  evidence?: ImageEvidence;
  /** The CycloneDX SBOM written from this target's report. */
  sbomPath?: string;
  /** fs and sbom: the lockfiles and their packages (when Trivy listed them). */
  dependencyFiles?: DependencyFile[];
  /** What the report holds that vulngate does not judge (misconfiguration and licence scans). */
  notJudged?: { misconfigurations: number; licenses: number };
}

/** `debian 12.11`, as Trivy names the OS; empty when it found none. */
export function osName(report: Pick<ImageReport, 'os'>): string {
  return report.os ? `${report.os.family} ${report.os.name}`.trim() : '';
}

/** A file of a scanned directory as the repository names it: the directory joined with Trivy's target. */
export function codeFilePath(root: string, target: string): string {
  const joined = root === '.' || root === '' ? target : `${withoutTrailingSlashes(root)}/${target}`;
  return joined.replace(/^\.\//, '');
}

/** Where a person finds it: for code, the lockfile from the repository root; for images and SBOMs, the target. */
export function findingPlace(f: Pick<Finding, 'targetKind' | 'image' | 'target'>): string {
  return f.targetKind === 'fs' ? codeFilePath(f.image, f.target) : f.image;
}
