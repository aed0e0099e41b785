import type { JudgedFinding } from '../core/finding.js';
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

export interface GitlabReportOptions {
  results: GateResults;
  startedAt: Date;
  finishedAt: Date;
}

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
  const base = f.description || f.title || f.id;
  if (f.decision !== 'excepted' || !f.exception) return base.slice(0, 1_000_000);
  const until = f.exception.until ? ` until ${f.exception.until}` : '';
  return `Excepted by the vulngate profile${until}: ${f.exception.note}\n\n${base}`.slice(0, 1_000_000);
}

function solution(f: JudgedFinding): string {
  if (f.kind === 'secret') return 'Remove the secret from the image and rotate it.';
  return f.fixedVersion ? `Upgrade ${f.package} to ${f.fixedVersion}` : 'No solution is known yet.';
}

function scanSection(options: GitlabReportOptions): Record<string, unknown> {
  const { results } = options;
  const messages = results.errors.map((e) => ({ level: 'fatal', value: `${e.source}: ${e.message}` }));
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
    status: results.errors.length > 0 ? 'failure' : 'success',
    type: 'container_scanning',
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
    location: {
      dependency: { package: { name: f.package }, version: f.installedVersion },
      operating_system: osByImage.get(f.image) || 'Unknown',
      image: f.image,
    },
  };
}

/** The report as JSON text, one vulnerability at a time: with 100k findings it is never one object or string. */
export function* gitlabReportChunks(options: GitlabReportOptions): Generator<string> {
  const osByImage = new Map(options.results.images.map((i) => [i.name, i.os ?? '']));
  const head = { version: GITLAB_REPORT_VERSION, scan: scanSection(options) };
  // The head's closing brace gives way to the vulnerabilities list.
  yield `${JSON.stringify(head).slice(0, -1)},"vulnerabilities":[`;
  for (const [i, f] of options.results.findings.entries()) {
    yield (i > 0 ? ',' : '') + JSON.stringify(vulnerability(f, osByImage));
  }
  yield ']}';
}

export function renderGitlabReport(options: GitlabReportOptions): Record<string, unknown> {
  return JSON.parse([...gitlabReportChunks(options)].join('')) as Record<string, unknown>;
}
