import type { JudgedFinding } from '../core/evaluate.js';
import type { GateResults } from '../core/results.js';
import type { Severity } from '../core/severity.js';
import { findingFingerprint } from './sarif.js';

/** GitLab's container-scanning report, schema version 15.0.7. */
export const GITLAB_REPORT_VERSION = '15.0.7';

const SEVERITY: Record<Severity, string> = { CRITICAL: 'Critical', HIGH: 'High', MEDIUM: 'Medium', LOW: 'Low', UNKNOWN: 'Unknown' };
const URL_PATTERN = /^(https?|ftp):\/\/.+/;

export interface GitlabReportOptions {
  results: GateResults;
  findings: JudgedFinding[];
  /** The OS Trivy detected per image (`alpine 3.19.1`), by image name. */
  osByImage: Map<string, string>;
  startedAt: Date;
  finishedAt: Date;
}

/** GitLab wants UTC without a zone: 2024-01-01T12:00:00. */
export function gitlabTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}

/** A stable UUID-shaped id from the finding's fingerprint, so GitLab tracks one vulnerability across pipelines. */
function stableId(f: JudgedFinding): string {
  const h = findingFingerprint(f);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function identifierType(id: string): string {
  if (/^CVE-/i.test(id)) return 'cve';
  if (/^GHSA-/i.test(id)) return 'ghsa';
  return 'vulngate';
}

function describe(f: JudgedFinding): string {
  const base = f.description || f.title || f.id;
  if (f.decision !== 'excepted' || !f.exception) return base.slice(0, 1_000_000);
  const until = f.exception.until ? ` until ${f.exception.until}` : '';
  return `Excepted by the vulngate profile${until}: ${f.exception.note}\n\n${base}`.slice(0, 1_000_000);
}

function solution(f: JudgedFinding): string {
  if (f.kind === 'secret') return 'Remove the secret from the image and rotate it.';
  return f.fixedVersion ? `Upgrade ${f.pkgName} to ${f.fixedVersion}` : 'No solution is known yet.';
}

export function renderGitlabReport(options: GitlabReportOptions): Record<string, unknown> {
  const { results } = options;
  const messages = results.errors.map((e) => ({ level: 'fatal', value: `${e.source}: ${e.message}` }));
  return {
    version: GITLAB_REPORT_VERSION,
    scan: {
      analyzer: { id: 'vulngate', name: 'vulngate', version: results.tool.version, vendor: { name: 'vulngate' }, url: 'https://github.com/vulngate/vulngate' },
      scanner: { id: 'trivy', name: 'Trivy', version: results.tool.trivyVersion || 'unknown', vendor: { name: 'Aqua Security' }, url: 'https://github.com/aquasecurity/trivy' },
      start_time: gitlabTime(options.startedAt),
      end_time: gitlabTime(options.finishedAt),
      status: results.errors.length > 0 ? 'failure' : 'success',
      type: 'container_scanning',
      ...(messages.length > 0 ? { messages } : {}),
    },
    vulnerabilities: options.findings.map((f) => {
      const url = URL_PATTERN.test(f.primaryUrl) ? f.primaryUrl : undefined;
      return {
        id: stableId(f),
        name: (f.title || `${f.id} in ${f.pkgName}`).slice(0, 255),
        description: describe(f),
        severity: SEVERITY[f.severity],
        solution: solution(f),
        identifiers: [{ type: identifierType(f.id), name: f.id, value: f.id, ...(url ? { url } : {}) }],
        links: [...new Set([f.primaryUrl, ...f.references])].filter((u) => URL_PATTERN.test(u)).map((u) => ({ url: u })),
        location: {
          dependency: { package: { name: f.pkgName }, version: f.installedVersion },
          operating_system: options.osByImage.get(f.image) || 'Unknown',
          image: f.image,
        },
      };
    }),
  };
}
