import type { BaselineFinding } from '../core/baseline.js';
import { findingPlace, type JudgedFinding } from '../core/finding.js';
import type { GateResults } from '../core/results.js';
import { compareSeverityDesc } from '../core/severity.js';
import { capped, code, link, plural, table, text, type Markdown } from './markdown.js';

/** `main (2026-12-02)` as markdown (a branch name is text from the record); `the baseline` when it names none. */
export function baselineLabel(results: GateResults): string {
  const b = results.baseline;
  if (!b) return '';
  const date = /^\d{4}-\d{2}-\d{2}/.exec(b.generatedAt)?.[0];
  const when = date ? ` (${date})` : '';
  return b.ref ? `${text(b.ref).md}${when}` : `the baseline${when}`;
}

type Row = Pick<JudgedFinding, 'image' | 'targetKind' | 'target' | 'id' | 'primaryUrl' | 'severity' | 'package'>;

/** Where a finding is: the image, or the lockfile in the repository. */
function where(f: Row): Markdown {
  return code(findingPlace(f));
}

function idCell(f: Row): Markdown | string {
  return f.primaryUrl ? link(f.id, f.primaryUrl) : f.id;
}

const bySeverity = <T extends Row>(list: T[]) =>
  [...list].sort((a, b) => compareSeverityDesc(a.severity, b.severity) || a.id.localeCompare(b.id));

function changeCell(f: JudgedFinding): string {
  if (f.change !== 'changed' || !f.previous) return 'new';
  const was: string[] = [];
  if (f.previous.severity !== f.severity) was.push(`severity was ${f.previous.severity}`);
  if (f.previous.fixedVersion !== f.fixedVersion) was.push(`fix was ${f.previous.fixedVersion || 'none'}`);
  if (f.previous.decision !== f.decision) was.push(`was ${f.previous.decision}`);
  return `changed: ${was.join(', ')}`;
}

/**
 * "New since main (2026-12-02)" (new and changed findings, most severe first), "Gone", and exceptions that expired
 * since: what a scheduled rescan says appeared overnight. Nothing without a baseline.
 */
export function baselineSections(results: GateResults, limit: number): string[] {
  if (!results.baseline) return [];
  const label = baselineLabel(results);
  const changed = bySeverity(results.findings.filter((f) => f.change === 'new' || f.change === 'changed'));
  const parts: string[] = [];
  parts.push(
    `### New since ${label} (${changed.length})`,
    changed.length === 0
      ? 'Nothing new or changed.'
      : capped(changed, limit, (rows) =>
          table(
            ['Where', 'Vulnerability', 'Severity', 'Package', 'Installed', 'Fixed in', 'Decision', 'Change'],
            rows.map((f) => [
              where(f),
              idCell(f),
              f.severity,
              f.package,
              f.installedVersion,
              f.fixedVersion,
              f.decision,
              changeCell(f),
            ]),
          ),
        ),
  );
  const gone: BaselineFinding[] = bySeverity(results.gone);
  if (gone.length > 0) {
    parts.push(
      `### Gone since ${label} (${gone.length})`,
      capped(gone, limit, (rows) =>
        table(
          ['Where', 'Vulnerability', 'Severity', 'Package', 'Installed', 'Was'],
          rows.map((f) => [where(f), idCell(f), f.severity, f.package, f.installedVersion, f.decision]),
        ),
      ),
    );
  }
  const expired = results.exceptions.expiredSinceBaseline;
  if (expired.length > 0) {
    parts.push(
      `### Exceptions expired since ${label} (${expired.length})`,
      table(
        ['Exception', 'Package', 'Expired after', 'Note', 'Where'],
        expired.map((e) => [e.id, e.package, e.until, e.note, e.origin]),
      ),
    );
  }
  return parts;
}

/** One line for the PR comment: how the change compares with the default branch. */
export function baselineLine(results: GateResults): string | undefined {
  if (!results.baseline) return undefined;
  const changed = results.findings.filter((f) => f.change === 'changed').length;
  const added = results.findings.filter((f) => f.change === 'new').length;
  return (
    `Since ${baselineLabel(results)}: ${plural(added, 'new finding')}, ${changed} changed, ` +
    `${results.gone.length} gone.`
  );
}
