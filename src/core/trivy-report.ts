import { ScanError } from './errors.js';
import type { DependencyFile, Finding, ImageReport, TargetKind } from './finding.js';
import { parseSeverity } from './severity.js';

/** The subset of Trivy's JSON (SchemaVersion 2) that vulngate reads; other fields are ignored. */
interface RawReport {
  SchemaVersion?: unknown;
  ArtifactName?: unknown;
  ArtifactType?: unknown;
  Trivy?: { Version?: unknown };
  Metadata?: {
    RepoTags?: unknown;
    RepoDigests?: unknown;
    ImageID?: unknown;
    DiffIDs?: unknown;
    OS?: { Family?: unknown; Name?: unknown };
    ImageConfig?: { os?: unknown; architecture?: unknown; variant?: unknown };
  };
  Results?: unknown;
}

interface RawResult {
  Target?: unknown;
  Class?: unknown;
  Type?: unknown;
  Vulnerabilities?: unknown;
  Secrets?: unknown;
  Packages?: unknown;
  ExperimentalModifiedFindings?: unknown;
}

/** Trivy's ArtifactType → what vulngate calls it; a report without one (older Trivy) is an image's. */
const ARTIFACT_KINDS: Record<string, TargetKind> = {
  container_image: 'image',
  filesystem: 'fs',
  repository: 'fs',
  cyclonedx: 'sbom',
  spdx: 'sbom',
};

type RawCvss = Record<string, { V3Score?: unknown; V3Vector?: unknown; V2Score?: unknown; V2Vector?: unknown }>;

const ARCHIVE_EXTENSIONS = ['.tar.gz', '.tar.zst', '.tar', '.tgz', '.json'];

/** `tar_images/api.tar` → `api`; `reports/alpine-310.tar.gz` → `alpine-310`. */
export function nameWithoutExtension(filePath: string): string {
  const base = filePath.split(/[\\/]/).pop() ?? filePath;
  const lower = base.toLowerCase();
  const known = ARCHIVE_EXTENSIONS.find((ext) => lower.endsWith(ext) && lower.length > ext.length);
  if (known) return base.slice(0, -known.length);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

export interface ParseReportArgs {
  text: string;
  /** Where the report came from, named in every error. */
  reportPath: string;
  /** Used when the report has no RepoTags: the tarball (scan) or report (evaluate) file. */
  fallbackName: string;
  /** The display name chosen by the caller (the scanned directory or SBOM as given); wins over the report's. */
  name?: string;
}

// eslint-disable-next-line max-lines-per-function -- split once the concurrent work on this file has landed
export function parseTrivyReport({ text, reportPath, fallbackName, name }: ParseReportArgs): ImageReport {
  let raw: unknown;
  try {
    // A UTF-8 byte order mark (editors on Windows write one) is not part of the JSON.
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ScanError(`${reportPath}: not a Trivy JSON report (invalid JSON: ${detail})`);
  }
  if (Array.isArray(raw)) {
    throw new ScanError(
      `${reportPath}: a top-level list is the report format of Trivy before 0.20; ` +
        'scan again with Trivy 0.20 or later (trivy --format json writes SchemaVersion 2)',
    );
  }
  if (!isObject(raw)) throw new ScanError(`${reportPath}: not a Trivy JSON report (expected a JSON object)`);
  const report = raw as RawReport;
  if (report.SchemaVersion !== 2) {
    const got =
      report.SchemaVersion === undefined ? 'no SchemaVersion' : `SchemaVersion ${JSON.stringify(report.SchemaVersion)}`;
    throw new ScanError(
      `${reportPath}: ${got}; vulngate reads Trivy JSON reports with SchemaVersion 2 (trivy --format json)`,
    );
  }
  const kind = artifactKind(report.ArtifactType, reportPath);
  const tags = report.Metadata?.RepoTags;
  const firstTag = Array.isArray(tags) && typeof tags[0] === 'string' && tags[0] !== '' ? tags[0] : undefined;
  const artifact = str(report.ArtifactName);
  const image =
    name ?? (kind === 'image' ? (firstTag ?? nameWithoutExtension(fallbackName)) : artifact || fallbackName);
  const results = report.Results ?? [];
  if (!Array.isArray(results)) throw new ScanError(`${reportPath}: Results must be a list`);

  const findings: Finding[] = [];
  const dependencyFiles: DependencyFile[] = [];
  const notJudged = { misconfigurations: 0, licenses: 0 };
  results.forEach((result: unknown, index) => {
    if (!isObject(result)) throw new ScanError(`${reportPath}: Results[${index}] must be an object`);
    const where = `${reportPath}: Results[${index}]`;
    const raw = result as RawResult;
    const packages = listOf(raw.Packages, `${where}.Packages`);
    collectResult({ result: raw, where, image, kind, packages: packageFacts(packages), into: findings });
    if (kind !== 'image' && result.Class === 'lang-pkgs' && packages.length > 0) {
      dependencyFiles.push({
        path: str(raw.Target),
        type: str(raw.Type),
        packages: packages.map((p) => ({ name: str(p.Name), version: str(p.Version) })),
      });
    }
    // What vulngate does not judge is counted, so a report of only these never passes in silence.
    notJudged.misconfigurations += Array.isArray(result.Misconfigurations) ? result.Misconfigurations.length : 0;
    notJudged.licenses += Array.isArray(result.Licenses) ? result.Licenses.length : 0;
  });
  // Trivy names an image's OS target after the file it was given (`/runner/tar_images/api.tar (debian 12.11)`): the
  // image's name takes its place, so no runner path reaches the record; identity strips either the same way.
  const artifactName = kind === 'image' && artifact !== '' && artifact !== image ? image : artifact;
  if (artifactName !== artifact) {
    for (const f of findings)
      if (f.target.startsWith(artifact)) f.target = `${image}${f.target.slice(artifact.length)}`;
  }
  const os = report.Metadata?.OS;
  const meta = report.Metadata ?? {};
  const evidence =
    kind === 'image'
      ? {
          ...(str(meta.ImageID) ? { imageId: str(meta.ImageID) } : {}),
          repoDigests: strings(meta.RepoDigests),
          diffIds: strings(meta.DiffIDs),
          ...platformOf(meta.ImageConfig),
        }
      : undefined;
  return {
    image,
    kind,
    reportPath,
    artifactName,
    os: os && typeof os.Family === 'string' ? { family: os.Family, name: str(os.Name) } : undefined,
    ...(os && (os as { EOSL?: unknown }).EOSL === true ? { endOfLife: true } : {}),
    trivyVersion: str(report.Trivy?.Version),
    findings,
    ...(evidence ? { evidence } : {}),
    ...(dependencyFiles.length > 0 ? { dependencyFiles } : {}),
    ...(notJudged.misconfigurations + notJudged.licenses > 0 ? { notJudged } : {}),
  };
}

function artifactKind(value: unknown, reportPath: string): TargetKind {
  if (value === undefined || value === null || value === '') return 'image';
  const kind = typeof value === 'string' ? ARTIFACT_KINDS[value] : undefined;
  if (!kind) {
    throw new ScanError(
      `${reportPath}: ArtifactType ${JSON.stringify(value)} is not judged; vulngate reads reports of container ` +
        'images, filesystems, repositories, CycloneDX and SPDX SBOMs',
    );
  }
  return kind;
}

interface PackageFacts {
  /** The package's first line in its lockfile, from Trivy's Locations. */
  line?: number;
  /** The source package an OS package was built from (openssl for libssl3), from Trivy's SrcName. */
  source?: string;
}

/** PkgID (else name@version) → what the package list adds to a finding: its line and its source package. */
function packageFacts(packages: Record<string, unknown>[]): Map<string, PackageFacts> {
  const facts = new Map<string, PackageFacts>();
  for (const p of packages) {
    const key = str(p.ID) || `${str(p.Name)}@${str(p.Version)}`;
    if (facts.has(key)) continue;
    const first: unknown = Array.isArray(p.Locations) ? p.Locations[0] : undefined;
    const line = isObject(first) ? first.StartLine : undefined;
    const source = str(p.SrcName);
    facts.set(key, {
      ...(typeof line === 'number' && line >= 1 ? { line } : {}),
      ...(source !== '' && source !== str(p.Name) ? { source } : {}),
    });
  }
  return facts;
}

// eslint-disable-next-line max-lines-per-function -- split once the concurrent work on this file has landed
function collectResult(args: {
  result: RawResult;
  where: string;
  image: string;
  kind: TargetKind;
  packages: Map<string, PackageFacts>;
  into: Finding[];
}): void {
  const { result, where, image, kind, packages, into } = args;
  const target = str(result.Target);
  const base = { image, targetKind: kind, target, class: str(result.Class), type: str(result.Type) };
  // Findings a VEX document suppressed (trivy --show-suppressed): kept, with the statement, so none goes silently.
  const suppressed = listOf(result.ExperimentalModifiedFindings, `${where}.ExperimentalModifiedFindings`)
    .filter((m) => m.Type === 'vulnerability' && isObject(m.Finding))
    .map((m): Record<string, unknown> => ({
      ...(m.Finding as Record<string, unknown>),
      vex: { status: str(m.Status), justification: str(m.Statement), source: str(m.Source) },
    }));
  const vulns = [...listOf(result.Vulnerabilities, `${where}.Vulnerabilities`), ...suppressed];
  vulns.forEach((v, i) => {
    const id = str(v.VulnerabilityID);
    if (id === '') throw new ScanError(`${where}.Vulnerabilities[${i}]: VulnerabilityID is missing`);
    const cvss = pickCvss(v.CVSS as RawCvss | undefined);
    const identifier = isObject(v.PkgIdentifier) ? (v.PkgIdentifier as Record<string, unknown>) : {};
    const facts = packages.get(str(v.PkgID) || `${str(v.PkgName)}@${str(v.InstalledVersion)}`) ?? {};
    into.push({
      ...base,
      kind: 'vulnerability',
      id,
      package: str(v.PkgName),
      pkgId: str(v.PkgID),
      purl: str(identifier.PURL),
      installedVersion: str(v.InstalledVersion),
      fixedVersion: str(v.FixedVersion),
      status: str(v.Status),
      severity: parseSeverity(v.Severity) ?? 'UNKNOWN',
      title: str(v.Title),
      description: str(v.Description),
      primaryUrl: str(v.PrimaryURL),
      references: strings(v.References),
      cweIds: strings(v.CweIDs),
      ...cvss,
      ...(facts.line !== undefined ? { startLine: facts.line } : {}),
      ...(facts.source !== undefined ? { sourcePackage: facts.source } : {}),
      ...(isObject(v.vex) ? { vex: v.vex as NonNullable<Finding['vex']> } : {}),
    });
  });
  const secrets = listOf(result.Secrets, `${where}.Secrets`);
  secrets.forEach((s, i) => {
    const id = str(s.RuleID);
    if (id === '') throw new ScanError(`${where}.Secrets[${i}]: RuleID is missing`);
    into.push({
      ...base,
      kind: 'secret',
      id,
      package: target,
      pkgId: '',
      purl: '',
      installedVersion: '',
      fixedVersion: '',
      status: 'secret',
      severity: parseSeverity(s.Severity) ?? 'UNKNOWN',
      // Never the matched text: reports and messages must not carry the secret itself.
      title: str(s.Title),
      description: `${str(s.Category) || 'Secret'} found in ${target}`,
      primaryUrl: '',
      references: [],
      cweIds: [],
      startLine: typeof s.StartLine === 'number' ? s.StartLine : undefined,
    });
  });
}

/** The highest CVSS v3 score over every vendor Trivy reports, else the highest v2 score. */
function pickCvss(cvss: RawCvss | undefined): { cvss?: number; cvssVector?: string } {
  if (!isObject(cvss)) return {};
  for (const [scoreKey, vectorKey] of [
    ['V3Score', 'V3Vector'],
    ['V2Score', 'V2Vector'],
  ] as const) {
    let best: { cvss: number; cvssVector?: string } | undefined;
    for (const vendor of Object.keys(cvss).sort()) {
      const entry = cvss[vendor];
      if (!isObject(entry)) continue;
      const score = entry[scoreKey];
      if (typeof score !== 'number' || !(score > 0) || (best && best.cvss >= score)) continue;
      const vector = entry[vectorKey];
      best = { cvss: score, cvssVector: typeof vector === 'string' ? vector : undefined };
    }
    if (best) return best;
  }
  return {};
}

function listOf(value: unknown, where: string): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ScanError(`${where} must be a list`);
  value.forEach((item, i) => {
    if (!isObject(item)) throw new ScanError(`${where}[${i}] must be an object`);
  });
  return value as Record<string, unknown>[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** `linux/arm64/v8` from the image's config, as Trivy copies it into the report. */
function platformOf(config: { os?: unknown; architecture?: unknown; variant?: unknown } | undefined): {
  platform?: string;
} {
  const parts = [config?.os, config?.architecture, config?.variant].map(str);
  return parts[0] && parts[1] ? { platform: parts.filter(Boolean).join('/') } : {};
}
