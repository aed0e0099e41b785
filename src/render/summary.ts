import type { JudgedFinding } from '../core/finding.js';
import { EXPIRING_SOON_DAYS } from '../core/profile.js';
import { OUTPUT_FILES, blockingFindings, type GateResults, type ResultsException } from '../core/results.js';
import { compareSeverityDesc } from '../core/severity.js';
import { plural, table } from './markdown.js';

/** GitHub caps a job summary at 1 MiB; long tables point to the results file instead. */
export const SUMMARY_ROW_LIMIT = 100;

export interface SummaryArgs {
  results: GateResults;
  /** Extra lines under the verdict (links to the artifact or code scanning, enforcement notes). */
  notes?: string[];
}

export function verdictLine(results: GateResults): string {
  const blockingList = blockingFindings(results);
  const blocking = blockingList.length;
  const failedImages = new Set(blockingList.map((f) => f.image)).size;
  const scanned = plural(results.images.length, 'image');
  const errors = results.errors.length > 0 ? `; ${plural(results.errors.length, 'image')} could not be scanned` : '';
  if (results.verdict === 'fail') {
    return `❌ vulngate: FAIL — ${plural(blocking, 'blocking finding')} in ${failedImages} of ${scanned}${errors}`;
  }
  if (results.errors.length > 0) return `⚠️ vulngate: ERROR — no blocking findings in ${scanned}${errors}`;
  return `✅ vulngate: PASS — no blocking findings in ${scanned}`;
}

export function renderSummary({ results, notes = [] }: SummaryArgs): string {
  const { profile } = results;
  const parts: string[] = [
    `## ${verdictLine(results)}`,
    `Profile \`${profile.source}\`: fails on ${profile.severity} and ` +
      `above${profile.ignoreUnfixed ? ', ignores findings without a fix' : ', including findings without a fix'}.`,
    ...notes,
  ];
  parts.push(
    '### Images',
    table(
      ['Image', 'Critical', 'High', 'Medium', 'Low', 'Unknown', 'Blocking', 'Excepted', 'Unfixed', 'Below threshold'],
      results.images.map((i) => [
        `\`${i.name}\``,
        i.bySeverity.CRITICAL,
        i.bySeverity.HIGH,
        i.bySeverity.MEDIUM,
        i.bySeverity.LOW,
        i.bySeverity.UNKNOWN,
        i.counts.blocking,
        i.counts.excepted,
        i.counts.unfixed,
        i.counts['below-threshold'],
      ]),
    ),
  );
  const layerLine = layersLine(results);
  if (layerLine) parts.push(layerLine);
  if (results.errors.length > 0) {
    parts.push(
      '### Scan errors',
      table(
        ['Image', 'Source', 'Error'],
        results.errors.map((e) => [`\`${e.image}\``, e.source, e.message]),
      ),
    );
  }
  const blocking = sorted(blockingFindings(results));
  if (blocking.length > 0) {
    parts.push(
      `### Blocking findings (${blocking.length})`,
      capped(blocking, (rows) =>
        table(
          ['Image', 'Vulnerability', 'Severity', 'Package', 'Installed', 'Fixed in'],
          rows.map((f) => [`\`${f.image}\``, link(f), f.severity, f.package, f.installedVersion, f.fixedVersion]),
        ),
      ),
    );
  }
  const excepted = sorted(results.findings.filter((f) => f.decision === 'excepted'));
  if (excepted.length > 0) {
    parts.push(
      `### Excepted findings (${excepted.length})`,
      capped(excepted, (rows) =>
        table(
          ['Image', 'Vulnerability', 'Severity', 'Package', 'Note', 'Until'],
          rows.map((f) => [`\`${f.image}\``, link(f), f.severity, f.package, f.exception?.note, f.exception?.until]),
        ),
      ),
    );
  }
  const { expired, expiringSoon, unused } = results.exceptions;
  if (expired.length > 0)
    parts.push(`### Expired exceptions (${expired.length})`, exceptionTable(expired, 'Expired after'));
  if (expiringSoon.length > 0)
    parts.push(
      `### Exceptions expiring within ${EXPIRING_SOON_DAYS} days (${expiringSoon.length})`,
      exceptionTable(expiringSoon, 'Last day'),
    );
  if (unused.length > 0) parts.push(`### Unused exceptions (${unused.length})`, exceptionTable(unused, 'Until'));
  return `${parts.join('\n\n')}\n`;
}

function exceptionTable(list: ResultsException[], dateHeader: string): string {
  return table(
    ['Exception', 'Package', dateHeader, 'Note', 'Where'],
    list.map((e) => [e.id, e.package, e.until, e.note, e.origin]),
  );
}

function capped(rows: JudgedFinding[], render: (rows: JudgedFinding[]) => string): string {
  if (rows.length <= SUMMARY_ROW_LIMIT) return render(rows);
  const rest = rows.length - SUMMARY_ROW_LIMIT;
  return `${render(rows.slice(0, SUMMARY_ROW_LIMIT))}\n\n…and ${rest} more in \`${OUTPUT_FILES.results}\`.`;
}

function link(f: JudgedFinding): string {
  return f.primaryUrl ? `[${f.id}](${f.primaryUrl})` : f.id;
}

function sorted(findings: JudgedFinding[]): JudgedFinding[] {
  return [...findings].sort(
    (a, b) =>
      compareSeverityDesc(a.severity, b.severity) ||
      a.image.localeCompare(b.image) ||
      a.id.localeCompare(b.id) ||
      a.package.localeCompare(b.package),
  );
}

/** One line for the layer cache: what Trivy analysed and what it found in its cache, over all scanned images. */
function layersLine(results: GateResults): string | undefined {
  const scanned = results.images.filter((i) => i.layers);
  if (scanned.length === 0) return undefined;
  const analysed = scanned.reduce((n, i) => n + (i.layers?.analysed ?? 0), 0);
  const cached = scanned.reduce((n, i) => n + (i.layers?.fromCache ?? 0), 0);
  return `Layers: ${plural(analysed, 'layer')} analysed, ${cached} from Trivy's layer cache.`;
}
