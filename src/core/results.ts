import type { Profile } from '../profile/types.js';
import { emptyCounts, type DecisionCounts } from './decision.js';
import type { Evaluation, ExceptionStatus, JudgedFinding } from './evaluate.js';
import type { ImageReport } from './finding.js';
import { SEVERITIES, type Severity } from './severity.js';

/** An image that could not be scanned or whose report could not be read. */
export interface ImageError {
  image: string;
  /** The tarball or report. */
  source: string;
  message: string;
}

export interface ResultsImage {
  name: string;
  report: string;
  os?: string;
  counts: DecisionCounts;
  bySeverity: Record<Severity, number>;
}

export interface ResultsFinding {
  image: string;
  target: string;
  kind: string;
  id: string;
  package: string;
  pkgId: string;
  purl: string;
  installedVersion: string;
  fixedVersion: string;
  severity: Severity;
  status: string;
  cvss?: number;
  title: string;
  primaryUrl: string;
  decision: string;
  reason: string;
  exception?: { note: string; until?: string; origin: string };
}

export interface ResultsException {
  id: string;
  package?: string;
  until?: string;
  note: string;
  origin: string;
  matches: number;
}

/** `vulngate-results.json`: the audit record. Field names are a contract (schemaVersion 1). */
export interface GateResults {
  schemaVersion: 1;
  verdict: 'pass' | 'fail';
  generatedAt: string;
  tool: { name: 'vulngate'; version: string; trivyVersion: string };
  profile: { source: string; severity: Severity; ignoreUnfixed: boolean };
  images: ResultsImage[];
  errors: ImageError[];
  findings: ResultsFinding[];
  exceptions: { expired: ResultsException[]; expiringSoon: ResultsException[]; unused: ResultsException[] };
}

export interface BuildResultsArgs {
  evaluation: Evaluation;
  images: ImageReport[];
  errors: ImageError[];
  profile: Profile;
  now: Date;
  toolVersion: string;
}

export function buildResults({ evaluation, images, errors, profile, now, toolVersion }: BuildResultsArgs): GateResults {
  const perImage = new Map<string, ResultsImage>();
  for (const image of images) {
    perImage.set(image.image, {
      name: image.image,
      report: image.reportPath,
      os: image.os ? `${image.os.family} ${image.os.name}`.trim() : undefined,
      counts: emptyCounts(),
      bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>,
    });
  }
  for (const finding of evaluation.findings) {
    const entry = perImage.get(finding.image);
    if (!entry) continue;
    entry.counts[finding.decision] += 1;
    entry.bySeverity[finding.severity] += 1;
  }
  const trivyVersion = images.find((i) => i.trivyVersion !== '')?.trivyVersion ?? '';
  return {
    schemaVersion: 1,
    verdict: evaluation.verdict,
    generatedAt: now.toISOString(),
    tool: { name: 'vulngate', version: toolVersion, trivyVersion },
    profile: { source: profile.source, severity: profile.severity, ignoreUnfixed: profile.ignoreUnfixed },
    images: [...perImage.values()],
    errors,
    findings: evaluation.findings.map(toResultsFinding),
    exceptions: {
      expired: evaluation.exceptions.expired.map(toResultsException),
      expiringSoon: evaluation.exceptions.expiringSoon.map(toResultsException),
      unused: evaluation.exceptions.unused.map(toResultsException),
    },
  };
}

function toResultsFinding(f: JudgedFinding): ResultsFinding {
  return {
    image: f.image,
    target: f.target,
    kind: f.kind,
    id: f.id,
    package: f.pkgName,
    pkgId: f.pkgId,
    purl: f.purl,
    installedVersion: f.installedVersion,
    fixedVersion: f.fixedVersion,
    severity: f.severity,
    status: f.status,
    cvss: f.cvssScore,
    title: f.title,
    primaryUrl: f.primaryUrl,
    decision: f.decision,
    reason: f.reason,
    exception: f.exception ? { note: f.exception.note, until: f.exception.until, origin: f.exception.origin } : undefined,
  };
}

function toResultsException({ rule, matches }: ExceptionStatus): ResultsException {
  return { id: rule.id, package: rule.package, until: rule.until, note: rule.note, origin: rule.origin, matches };
}
