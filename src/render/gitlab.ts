import { exploitationMarks } from '../core/exploitation.js';
import { codeFilePath, findingPlace, type JudgedFinding, type TargetKind } from '../core/finding.js';
import { fingerprintUuid } from '../core/identity.js';
import type { GateResults } from '../core/results.js';
import type { Severity } from '../core/severity.js';
import { oneLine } from '../core/text.js';

/** GitLab's container-scanning report, schema version 15.0.7. */
export const GITLAB_REPORT_VERSION = '15.0.7';

const SEVERITY: Record<Severity, string> = {
  CRITICAL: 'Critical',
  HIGH: 'High',
  MEDIUM: 'Medium',
  LOW: 'Low',
  UNKNOWN: 'Unknown',
};
const URL_PATTERN = /^(https?|ftp):\/\/.+/;

export type GitlabReportType = 'container_scanning' | 'dependency_scanning';

export interface GitlabReportOptions {
  results: GateResults;
  startedAt: Date;
  finishedAt: Date;
  /** container_scanning (default): images; dependency_scanning: code directories and SBOMs. */
  type?: GitlabReportType;
}

/** Which targets a report type covers. */
function covers(type: GitlabReportType, kind: TargetKind): boolean {
  return type === 'container_scanning' ? kind === 'image' : kind !== 'image';
}

/** Trivy's lockfile types in GitLab's words (package_manager). */
const PACKAGE_MANAGERS: Record<string, string> = {
  gomod: 'go',
  gobinary: 'go',
  pom: 'maven',
  jar: 'maven',
  gradle: 'gradle',
  'python-pkg': 'pip',
  gemspec: 'bundler',
  'node-pkg': 'npm',
  'composer-vendor': 'composer',
  'rust-binary': 'cargo',
};

/** GitLab wants UTC without a zone: 2024-01-01T12:00:00. */
export function gitlabTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}

function identifierType(id: string): string {
  if (/^CVE-/i.test(id)) return 'cve';
  if (/^GHSA-/i.test(id)) return 'ghsa';
  return 'vulngate';
}

/**
 * GitLab renders these fields as markdown: report text (from the scanned image) is kept readable, with paragraphs,
 * but no HTML, no `@mention`, no control characters.
 */
function gitlabText(value: string): string {
  return value
    .split(/\r?\n/)
    .map((line) => oneLine(line).replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c] ?? c))
    .join('\n')
    .replace(/@/g, '@\u200b');
}

function describe(f: JudgedFinding): string {
  const marks = exploitationMarks(f);
  const base = `${marks ? `${marks}. ` : ''}${f.description || f.title || f.id}`;
  if (f.decision !== 'excepted' || !f.exception) return base.slice(0, 1_000_000);
  const until = f.exception.until ? ` until ${f.exception.until}` : '';
  const who = [
    f.exception.owner && `accepted by ${f.exception.owner}`,
    f.exception.ticket && `ticket ${f.exception.ticket}`,
  ]
    .filter(Boolean)
    .join(', ');
  const governance = who ? ` (${who})` : '';
  return `Excepted by the vulngate profile${until}${governance}: ${f.exception.note}\n\n${base}`.slice(0, 1_000_000);
}

function solution(f: JudgedFinding): string {
  if (f.kind === 'secret') return 'Remove the secret from the image and rotate it.';
  return f.fixedVersion ? `Upgrade ${f.package} to ${f.fixedVersion}` : 'No solution is known yet.';
}

function scanSection(options: GitlabReportOptions, type: GitlabReportType): Record<string, unknown> {
  const { results } = options;
  const errors = results.errors.filter((e) => covers(type, e.kind));
  const messages = errors.map((e) => ({ level: 'fatal', value: `${e.source}: ${e.message}` }));
  return {
    analyzer: {
      id: 'vulngate',
      name: 'vulngate',
      version: results.tool.version,
      vendor: { name: 'vulngate' },
      url: 'https://github.com/vulngate/vulngate',
    },
    scanner: {
      id: 'trivy',
      name: 'Trivy',
      version: results.tool.trivyVersion || 'unknown',
      vendor: { name: 'Aqua Security' },
      url: 'https://github.com/aquasecurity/trivy',
    },
    start_time: gitlabTime(options.startedAt),
    end_time: gitlabTime(options.finishedAt),
    status: errors.length > 0 ? 'failure' : 'success',
    type,
    ...(messages.length > 0 ? { messages } : {}),
  };
}

function vulnerability(f: JudgedFinding, osByImage: Map<string, string>): Record<string, unknown> {
  const url = URL_PATTERN.test(f.primaryUrl) ? f.primaryUrl : undefined;
  return {
    // The finding's identity, so GitLab tracks one vulnerability across pipelines.
    id: fingerprintUuid(f.fingerprint),
    name: gitlabText(oneLine(f.title || `${f.id} in ${f.package}`)).slice(0, 255),
    description: gitlabText(describe(f)),
    severity: SEVERITY[f.severity],
    solution: gitlabText(oneLine(solution(f))),
    identifiers: [{ type: identifierType(f.id), name: f.id, value: f.id, ...(url ? { url } : {}) }],
    links: [...new Set([f.primaryUrl, ...f.references])].filter((u) => URL_PATTERN.test(u)).map((u) => ({ url: u })),
    location: location(f, osByImage),
  };
}

function location(f: JudgedFinding, osByImage: Map<string, string>): Record<string, unknown> {
  const dependency = { package: { name: f.package }, version: f.installedVersion };
  if (f.targetKind === 'image') {
    return { dependency, operating_system: osByImage.get(f.image) || 'Unknown', image: f.image };
  }
  const file = findingPlace(f);
  return { file: file || f.image || 'unknown', dependency };
}

function dependencyFiles(results: GateResults): Record<string, unknown>[] {
  const kindOf = new Map(results.images.map((i) => [i.name, i.kind]));
  return results.dependencyFiles.flatMap(({ target, files }) =>
    files.map((file) => ({
      path: (kindOf.get(target) === 'fs' ? codeFilePath(target, file.path) : target) || target,
      package_manager: PACKAGE_MANAGERS[file.type] ?? (file.type || 'unknown'),
      dependencies: file.packages.map((p) => ({ package: { name: p.name }, version: p.version })),
    })),
  );
}

/** The report as JSON text, one vulnerability at a time: with 100k findings it is never one object or string. */
export function* gitlabReportChunks(options: GitlabReportOptions): Generator<string> {
  const type = options.type ?? 'container_scanning';
  const osByImage = new Map(options.results.images.map((i) => [i.name, i.os ?? '']));
  const head = {
    version: GITLAB_REPORT_VERSION,
    scan: scanSection(options, type),
    ...(type === 'dependency_scanning' ? { dependency_files: dependencyFiles(options.results) } : {}),
  };
  // The head's closing brace gives way to the vulnerabilities list.
  yield `${JSON.stringify(head).slice(0, -1)},"vulnerabilities":[`;
  let first = true;
  for (const f of options.results.findings) {
    if (!covers(type, f.targetKind)) continue;
    yield (first ? '' : ',') + JSON.stringify(vulnerability(f, osByImage));
    first = false;
  }
  yield ']}';
}

/** Whether the run scanned anything this report type covers: a report of nothing is not written. */
export function hasGitlabTargets(results: GateResults, type: GitlabReportType): boolean {
  return results.images.some((i) => covers(type, i.kind)) || results.errors.some((e) => covers(type, e.kind));
}

export function renderGitlabReport(options: GitlabReportOptions): Record<string, unknown> {
  return JSON.parse([...gitlabReportChunks(options)].join('')) as Record<string, unknown>;
}
