import type { Workload } from './cluster.js';
import { compareWithBaseline, gatingFindings, type Baseline, type BaselineFinding, type FailOn } from './baseline.js';
import { emptyCounts, type DecisionCounts } from './decision.js';
import type { Evaluation, ExceptionStatus } from './evaluate.js';
import {
  osName,
  type DependencyFile,
  type ImageReport,
  type JudgedFinding,
  type LayersVerified,
  type LayerStats,
  type TargetKind,
} from './finding.js';
import { DEFAULT_EXPLOITATION } from './exploitation.js';
import type { Profile, ProfileFile, ProfileOrigin, ProfileOverride } from './profile.js';
import { SEVERITIES, type Severity } from './severity.js';

/** The files a run writes into its output directory. */
export const OUTPUT_FILES = {
  results: 'vulngate-results.json',
  summary: 'summary.md',
  sarif: 'vulngate.sarif',
  gitlab: 'gl-container-scanning-report.json',
  gitlabDependencies: 'gl-dependency-scanning-report.json',
  reportsDir: 'reports',
  sbomDir: 'sbom',
  openVex: 'vulngate.openvex.json',
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
  /** The name it keeps across runs: an image without its tag (core/identity.ts); the baseline matches by it. */
  stableName: string;
  report: string;
  os?: string;
  counts: DecisionCounts;
  bySeverity: Record<Severity, number>;
  /** Scans only: how many layers Trivy analysed and how many came from its layer cache. */
  layers?: LayerStats;
  /** Misconfigurations and licences in the report, which the profile does not judge. */
  notJudged?: { misconfigurations: number; licenses: number };
  /** Images: the image ID, manifest and repo digests, diff IDs and the tarball's sha256. */
  imageId?: string;
  manifestDigest?: string;
  /** Registry images: the reference as given, the index it named, the platform scanned. */
  reference?: string;
  indexDigest?: string;
  platform?: string;
  repoDigests?: string[];
  diffIds?: string[];
  layersVerified?: LayersVerified;
  tarballSha256?: string;
  /** The CycloneDX SBOM made from this target's scan (sbom/NNN-name.cdx.json). */
  sbom?: string;
  /** Its OS release is end of life (Trivy's EOSL). */
  endOfLife?: boolean;
  /** A cluster scan: where it runs ({namespace, kind, name, container}). */
  workloads?: Workload[];
}

/** A vulnerability DB as its metadata.json says: which data judged the findings. */
export interface DbInfo {
  schemaVersion: number;
  updatedAt: string;
  nextUpdate: string;
}

export interface ResultsException {
  id: string;
  package?: string;
  paths?: string[];
  until?: string;
  note: string;
  owner?: string;
  ticket?: string;
  origin: string;
  matches: number;
  /** Unused exceptions: which of its conditions did not hold. */
  why?: string;
}

/** Which KEV catalogue and which day's EPSS scores judged. */
export interface FeedVersions {
  kev?: { catalogVersion: string; dateReleased: string };
  epss?: { modelVersion: string; scoreDate: string };
}

/** Something the record and the summary must say, not only the log: a stale DB. */
export interface RunWarning {
  code: 'stale-db' | 'stale-feed' | 'kev-warn' | 'eol-os' | 'default-platform';
  message: string;
}

/** Where the run happened (from CI), so a later run that takes this record as its baseline can say "since …". */
export interface RunInfo {
  repository: string;
  ref: string;
  commit: string;
  url: string;
}

/** A run's verdict with every judged finding: what the renderers and forwarders read. */
export interface GateResults {
  /** `error`: nothing blocks, but an image could not be scanned or read, so the run cannot pass. */
  verdict: 'pass' | 'fail' | 'error';
  generatedAt: string;
  run: RunInfo;
  /** `new`: only blocking findings new since the baseline (or turned blocking) fail the check. */
  failOn: FailOn;
  /** The last scan compared with, when there was one. */
  baseline?: { source: string; ref: string; commit: string; generatedAt: string };
  /** Findings of the baseline not found again on the targets scanned now. */
  gone: BaselineFinding[];
  tool: {
    name: 'vulngate';
    version: string;
    trivyVersion: string;
    trivyDb?: DbInfo;
    javaDb?: DbInfo;
    /** The exploitation feeds that judged, when the profile used them. */
    feeds?: FeedVersions;
  };
  /** Images on an end-of-life OS release, and whether the profile blocks them (`eol_os: block`). */
  endOfLife: { images: string[]; blocking: boolean };
  profile: {
    source: string;
    severity: Severity;
    ignoreUnfixed: boolean;
    /** sha256 of the profile file read (central or local); `files` lists it and what it extends. */
    sha256?: string;
    files?: ProfileFile[];
    origin?: ProfileOrigin;
    /** Settings an input, flag or variable changed, with where each came from and what the profile said. */
    overrides?: ProfileOverride[];
  };
  /** What the run could not vouch for (a stale DB); also in the summary. */
  warnings: RunWarning[];
  images: ResultsImage[];
  errors: ImageError[];
  findings: JudgedFinding[];
  exceptions: {
    expired: ResultsException[];
    expiringSoon: ResultsException[];
    unused: ResultsException[];
    /** Expired now, still in force when the baseline ran. */
    expiredSinceBaseline: ResultsException[];
  };
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
  run?: RunInfo;
  failOn?: FailOn;
  baseline?: Baseline;
  /** The DBs the scan used, when vulngate scanned (not for reports read from files). */
  databases?: { trivyDb?: DbInfo; javaDb?: DbInfo };
  warnings?: RunWarning[];
  feeds?: FeedVersions;
}

const NO_RUN: RunInfo = { repository: '', ref: '', commit: '', url: '' };

// eslint-disable-next-line max-lines-per-function -- split once the concurrent work on this file has landed
export function buildResults(args: BuildResultsArgs): GateResults {
  const { evaluation, images, errors, profile, now, toolVersion, baseline } = args;
  const failOn = args.failOn ?? 'all';
  const names = evaluation.stableNames;
  const perImage = new Map<string, ResultsImage>();
  for (const [index, image] of images.entries()) {
    perImage.set(image.image, {
      name: image.image,
      kind: image.kind,
      stableName: names[index] ?? image.image,
      report: image.reportPath,
      os: osName(image) || undefined,
      counts: emptyCounts(),
      bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>,
      layers: image.layers,
      notJudged: image.notJudged,
      ...image.evidence,
      ...(image.sbomPath ? { sbom: image.sbomPath } : {}),
      ...(image.endOfLife ? { endOfLife: true } : {}),
      ...(image.workloads ? { workloads: image.workloads } : {}),
    });
  }
  for (const finding of evaluation.findings) {
    const entry = perImage.get(finding.image);
    if (!entry) continue;
    entry.counts[finding.decision] += 1;
    entry.bySeverity[finding.severity] += 1;
  }
  const trivyVersion = images.find((i) => i.trivyVersion !== '')?.trivyVersion ?? '';
  const gone = baseline ? applyBaseline(evaluation, names, baseline) : [];
  // Trivy's EOSL: the release gets no more advisories, so "no findings" means nothing there.
  const eolPolicy = profile.exploitation?.eolOs ?? DEFAULT_EXPLOITATION.eolOs;
  const endOfLife = {
    images: eolPolicy === 'ignore' ? [] : images.filter((i) => i.endOfLife).map((i) => i.image),
    blocking: eolPolicy === 'block',
  };
  const eolWarnings: RunWarning[] = endOfLife.images.map((name) => ({
    code: 'eol-os',
    message:
      `${name} runs on an end-of-life OS release (${osName(images.find((i) => i.image === name) ?? {})}): it ` +
      `gets no more security advisories${endOfLife.blocking ? ' (eol_os: block)' : ''}`,
  }));
  const fails =
    gatingFindings(evaluation.findings, failOn).length > 0 || (endOfLife.blocking && endOfLife.images.length > 0);
  const expired = evaluation.exceptions.expired.map(toResultsException);
  const expiredBefore = new Set(baseline?.expiredExceptions ?? []);
  return {
    verdict: fails ? 'fail' : errors.length > 0 ? 'error' : 'pass',
    generatedAt: now.toISOString(),
    run: args.run ?? NO_RUN,
    failOn,
    ...(baseline
      ? {
          baseline: {
            source: baseline.source,
            ref: baseline.ref,
            commit: baseline.commit,
            generatedAt: baseline.generatedAt,
          },
        }
      : {}),
    gone,
    tool: {
      name: 'vulngate',
      version: toolVersion,
      trivyVersion,
      ...args.databases,
      ...(args.feeds ? { feeds: args.feeds } : {}),
    },
    endOfLife,
    profile: {
      source: profile.source,
      severity: profile.severity,
      ignoreUnfixed: profile.ignoreUnfixed,
      ...(profile.files?.[0] ? { sha256: profile.files[0].sha256, files: profile.files } : {}),
      ...(profile.origin ? { origin: profile.origin } : {}),
      ...(profile.overrides ? { overrides: profile.overrides } : {}),
    },
    warnings: [...(args.warnings ?? []), ...eolWarnings],
    images: [...perImage.values()],
    errors,
    findings: evaluation.findings,
    dependencyFiles: images
      .filter((i) => i.dependencyFiles !== undefined)
      .map((i) => ({ target: i.image, files: i.dependencyFiles ?? [] })),
    exceptions: {
      expired,
      expiringSoon: evaluation.exceptions.expiringSoon.map(toResultsException),
      unused: evaluation.exceptions.unused.map(toResultsException),
      expiredSinceBaseline: baseline ? expired.filter((e) => !expiredBefore.has(exceptionKey(e))) : [],
    },
  };
}

/** `CVE-2024-1 profiles/api.yml exceptions[0]`: an exception as the baseline lists the expired ones. */
export function exceptionKey(e: Pick<ResultsException, 'id' | 'origin'>): string {
  return `${e.id} ${e.origin}`;
}

/** Marks each finding new, unchanged or changed; returns what is gone. */
function applyBaseline(evaluation: Evaluation, targets: string[], baseline: Baseline): BaselineFinding[] {
  const { changes, gone } = compareWithBaseline({ findings: evaluation.findings, targets, baseline });
  for (const f of evaluation.findings) {
    const found = changes.get(f.fingerprint);
    if (!found) continue;
    f.change = found.change;
    if (found.previous) f.previous = found.previous;
  }
  return gone;
}

function toResultsException({ rule, matches, why }: ExceptionStatus): ResultsException {
  const { id, package: pkg, paths, until, note, owner, ticket, origin } = rule;
  return { id, package: pkg, paths, until, note, owner, ticket, origin, matches, ...(why ? { why } : {}) };
}

export function blockingFindings(results: Pick<GateResults, 'findings'>): JudgedFinding[] {
  return results.findings.filter((f) => f.decision === 'blocking');
}

/** New or changed since the baseline; without one, every finding counts as new. */
export function newSinceBaseline(results: Pick<GateResults, 'findings' | 'baseline'>): JudgedFinding[] {
  if (!results.baseline) return results.findings;
  return results.findings.filter((f) => f.change === 'new' || f.change === 'changed');
}

/** The blocking findings that fail the check: all of them, or with `fail-on: new` what the change brings in. */
export function failingFindings(results: Pick<GateResults, 'findings' | 'failOn'>): JudgedFinding[] {
  return gatingFindings(results.findings, results.failOn);
}
