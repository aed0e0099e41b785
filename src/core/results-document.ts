import type { JudgedFinding } from './finding.js';
import type { GateResults } from './results.js';

/**
 * The audit record's version. 2: findings carry their identity (`fingerprint`), `targetKind`, and against a baseline
 * `change`/`previous`; the record names its run, `failOn`, the baseline, and what is `gone`. 3: a target's identity
 * no longer depends on what else the run scanned (an image's repository plus the file it was saved to); the record
 * names overrides, the profile's sha256 and its warnings. A version 2 baseline is read with its identities mapped;
 * other versions are not compared with.
 */
export const RESULTS_SCHEMA_VERSION = 3;

function findingDocument(f: JudgedFinding): Record<string, unknown> {
  return {
    fingerprint: f.fingerprint,
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
    kev: f.kev,
    epss: f.epss,
    title: f.title,
    primaryUrl: f.primaryUrl,
    decision: f.decision,
    reason: f.reason,
    exception: f.exception
      ? {
          note: f.exception.note,
          until: f.exception.until,
          owner: f.exception.owner,
          ticket: f.exception.ticket,
          origin: f.exception.origin,
        }
      : undefined,
    change: f.change,
    previous: f.previous,
  };
}

/** `vulngate-results.json`, the audit record. Its field names are a contract (RESULTS_SCHEMA_VERSION). */
export function resultsDocument(results: GateResults): Record<string, unknown> {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    verdict: results.verdict,
    generatedAt: results.generatedAt,
    run: results.run,
    tool: results.tool,
    profile: results.profile,
    warnings: results.warnings,
    endOfLife: results.endOfLife,
    failOn: results.failOn,
    baseline: results.baseline ?? null,
    images: results.images,
    errors: results.errors,
    findings: results.findings.map(findingDocument),
    gone: results.gone,
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
