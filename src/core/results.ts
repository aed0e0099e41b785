import { emptyCounts, type DecisionCounts } from './decision.js';
import type { Evaluation, ExceptionStatus } from './evaluate.js';
import {
  osName,
  type DependencyFile,
  type ImageReport,
  type JudgedFinding,
  type LayerStats,
  type TargetKind,
} from './finding.js';
import type { Profile } from './profile.js';
import { SEVERITIES, type Severity } from './severity.js';

/** The files a run writes into its output directory. */
export const OUTPUT_FILES = {
  results: 'vulngate-results.json',
  summary: 'summary.md',
  sarif: 'vulngate.sarif',
  gitlab: 'gl-container-scanning-report.json',
  gitlabDependencies: 'gl-dependency-scanning-report.json',
  reportsDir: 'reports',
} as const;

/** An image that could not be scanned or whose report could not be read. */
export interface ImageError {
  image: string;
  kind: TargetKind;
  /** The tarball or report. */
  source: string;
  message: string;
}

/** A scanned target: an image, a directory of code (fs) or an SBOM. The list keeps its name `images`. */
export interface ResultsImage {
  name: string;
  kind: TargetKind;
  report: string;
  os?: string;
  counts: DecisionCounts;
  bySeverity: Record<Severity, number>;
  /** Scans only: how many layers Trivy analysed and how many came from its layer cache. */
  layers?: LayerStats;
  /** Misconfigurations and licences in the report, which the profile does not judge. */
  notJudged?: { misconfigurations: number; licenses: number };
}

export interface ResultsException {
  id: string;
  package?: string;
  paths?: string[];
  until?: string;
  note: string;
  origin: string;
  matches: number;
}

/** A run's verdict with every judged finding: what the renderers and forwarders read. */
export interface GateResults {
  /** `error`: nothing blocks, but an image could not be scanned or read, so the run cannot pass. */
  verdict: 'pass' | 'fail' | 'error';
  generatedAt: string;
  tool: { name: 'vulngate'; version: string; trivyVersion: string };
  profile: { source: string; severity: Severity; ignoreUnfixed: boolean };
  images: ResultsImage[];
  errors: ImageError[];
  findings: JudgedFinding[];
  exceptions: { expired: ResultsException[]; expiringSoon: ResultsException[]; unused: ResultsException[] };
  /** fs and sbom targets' lockfiles with every package, for GitLab's dependency_files; not in the audit record. */
  dependencyFiles: { target: string; files: DependencyFile[] }[];
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
      kind: image.kind,
      report: image.reportPath,
      os: osName(image) || undefined,
      counts: emptyCounts(),
      bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>,
      layers: image.layers,
      notJudged: image.notJudged,
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
    verdict: evaluation.verdict === 'pass' && errors.length > 0 ? 'error' : evaluation.verdict,
    generatedAt: now.toISOString(),
    tool: { name: 'vulngate', version: toolVersion, trivyVersion },
    profile: { source: profile.source, severity: profile.severity, ignoreUnfixed: profile.ignoreUnfixed },
    images: [...perImage.values()],
    errors,
    findings: evaluation.findings,
    dependencyFiles: images
      .filter((i) => i.dependencyFiles !== undefined)
      .map((i) => ({ target: i.image, files: i.dependencyFiles ?? [] })),
    exceptions: {
      expired: evaluation.exceptions.expired.map(toResultsException),
      expiringSoon: evaluation.exceptions.expiringSoon.map(toResultsException),
      unused: evaluation.exceptions.unused.map(toResultsException),
    },
  };
}

function toResultsException({ rule, matches }: ExceptionStatus): ResultsException {
  const { id, package: pkg, paths, until, note, origin } = rule;
  return { id, package: pkg, paths, until, note, origin, matches };
}

function findingDocument(f: JudgedFinding): Record<string, unknown> {
  return {
    image: f.image,
    targetKind: f.targetKind,
    target: f.target,
    kind: f.kind,
    id: f.id,
    package: f.package,
    pkgId: f.pkgId,
    purl: f.purl,
    installedVersion: f.installedVersion,
    fixedVersion: f.fixedVersion,
    startLine: f.startLine,
    severity: f.severity,
    status: f.status,
    cvss: f.cvss,
    title: f.title,
    primaryUrl: f.primaryUrl,
    decision: f.decision,
    reason: f.reason,
    exception: f.exception
      ? { note: f.exception.note, until: f.exception.until, origin: f.exception.origin }
      : undefined,
  };
}

/** `vulngate-results.json`, the audit record. Its field names are a contract (schemaVersion 1). */
export function resultsDocument(results: GateResults): Record<string, unknown> {
  return {
    schemaVersion: 1,
    verdict: results.verdict,
    generatedAt: results.generatedAt,
    tool: results.tool,
    profile: results.profile,
    images: results.images,
    errors: results.errors,
    findings: results.findings.map(findingDocument),
    exceptions: results.exceptions,
  };
}

/**
 * The same text as `JSON.stringify(resultsDocument(results), null, 2)`, one finding at a time, so 100k findings are
 * never one string.
 */
export function* resultsDocumentChunks(results: GateResults): Generator<string> {
  const frame = JSON.stringify(resultsDocument({ ...results, findings: [] }), null, 2);
  const marker = '"findings": []';
  const at = frame.indexOf(marker);
  if (results.findings.length === 0 || at === -1) {
    yield frame;
    return;
  }
  yield `${frame.slice(0, at)}"findings": [\n`;
  for (const [i, f] of results.findings.entries()) {
    const text = JSON.stringify(findingDocument(f), null, 2).replace(/\n/g, '\n    ');
    yield `${i > 0 ? ',\n' : ''}    ${text}`;
  }
  yield `\n  ]${frame.slice(at + marker.length)}`;
}

export function blockingFindings(results: Pick<GateResults, 'findings'>): JudgedFinding[] {
  return results.findings.filter((f) => f.decision === 'blocking');
}
