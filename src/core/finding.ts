import type { Decision } from './decision.js';
import type { ExceptionRule } from './profile.js';
import type { Severity } from './severity.js';

export type FindingKind = 'vulnerability' | 'secret';

/** One vulnerability (or secret) in one package of one image, normalized from a Trivy report. */
export interface Finding {
  image: string;
  target: string;
  class: string;
  type: string;
  kind: FindingKind;
  /** CVE/GHSA/… id, or the secret rule id. */
  id: string;
  /** Package name; for secrets, the file path. */
  package: string;
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
  /** Secrets only: where in the file. */
  startLine?: number;
}

/** A finding with its one decision: the shape every renderer and forwarder takes. */
export interface JudgedFinding extends Finding {
  /** The finding's one identity (core/identity.ts), computed once when it is judged. */
  fingerprint: string;
  decision: Decision;
  reason: string;
  /** The exception that excepted it. */
  exception?: ExceptionRule;
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

export interface ImageReport {
  /** Display name: Metadata.RepoTags[0], else the tarball/report file name without extension. */
  image: string;
  /** Where the Trivy JSON report lives (or will be written). */
  reportPath: string;
  artifactName: string;
  os?: { family: string; name: string };
  trivyVersion: string;
  findings: Finding[];
  /** From the scan; undefined for reports read from files. */
  layers?: LayerStats;
  /** What the report holds that vulngate does not judge (misconfiguration and licence scans). */
  notJudged?: { misconfigurations: number; licenses: number };
}

/** `debian 12.11`, as Trivy names the OS; empty when it found none. */
export function osName(report: Pick<ImageReport, 'os'>): string {
  return report.os ? `${report.os.family} ${report.os.name}`.trim() : '';
}
