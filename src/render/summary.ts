import { TARGET_KINDS, type JudgedFinding, type TargetKind } from '../core/finding.js';
import { EXPIRING_SOON_DAYS } from '../core/profile.js';
import {
  OUTPUT_FILES,
  blockingFindings,
  failingFindings,
  type GateResults,
  type ResultsException,
} from '../core/results.js';
import { baselineSections } from './baseline-sections.js';
import { compareSeverityDesc } from '../core/severity.js';
import { capped, code, link as mdLink, plural, table, text as mdText, type Markdown } from './markdown.js';
import { compareExploitation, severityWithMarks } from '../core/exploitation.js';

/** GitHub caps a job summary at 1 MiB; long tables point to the results file instead. */
export const SUMMARY_ROW_LIMIT = 100;
/** GitHub drops a job summary over 1 MiB: the whole summary stays under this many bytes. */
export const SUMMARY_BYTE_LIMIT = 1_000_000;

export interface SummaryArgs {
  results: GateResults;
  /** Extra lines under the verdict (links to the artifact or code scanning, enforcement notes). */
  notes?: string[];
}

const KIND_HEADINGS: Record<TargetKind, string> = { image: 'Images', fs: 'Code dependencies', sbom: 'SBOMs' };
const KIND_IN: Record<TargetKind, string> = { image: 'images', fs: 'code dependencies', sbom: 'SBOMs' };
const KIND_COLUMN: Record<TargetKind, string> = { image: 'Image', fs: 'Directory', sbom: 'SBOM' };

/** Items grouped by the kind of target, images first, then code directories, then SBOMs; empty groups left out. */
export function byKind<T>(items: T[], kindOf: (item: T) => TargetKind): [TargetKind, T[]][] {
  return TARGET_KINDS.map((kind): [TargetKind, T[]] => [kind, items.filter((i) => kindOf(i) === kind)]).filter(
    ([, list]) => list.length > 0,
  );
}

/** `3 images`; `4 targets (2 images, 1 directory, 1 SBOM)`: what was scanned, in words. */
function scannedWords(results: GateResults): string {
  const words: Record<TargetKind, [string, string]> = {
    image: ['image', 'images'],
    fs: ['directory', 'directories'],
    sbom: ['SBOM', 'SBOMs'],
  };
  const count = (n: number, kind: TargetKind) => `${n} ${words[kind][n === 1 ? 0 : 1]}`;
  const groups = byKind(results.images, (i) => i.kind);
  const [only] = groups;
  if (groups.length <= 1) return count(only?.[1].length ?? 0, only?.[0] ?? 'image');
  const parts = groups.map(([kind, list]) => count(list.length, kind));
  return `${plural(results.images.length, 'target')} (${parts.join(', ')})`;
}

export function verdictLine(results: GateResults): string {
  const failing = failingFindings(results);
  const onlyNew = results.failOn === 'new';
  const failedImages = new Set(failing.map((f) => f.image)).size;
  const scanned = scannedWords(results);
  const noun = results.errors.every((e) => e.kind === 'image') ? 'image' : 'target';
  const errors = results.errors.length > 0 ? `; ${plural(results.errors.length, noun)} could not be scanned` : '';
  // fail-on: new: the blocking findings the baseline already had are reported, and said so, but do not fail.
  const older = blockingFindings(results).length - failing.length;
  const already = onlyNew && older > 0 ? ` (${plural(older, 'blocking finding')} already in the baseline)` : '';
  const what = onlyNew ? 'new blocking finding' : 'blocking finding';
  if (results.verdict === 'fail' && failing.length === 0 && results.endOfLife.blocking) {
    const eol = plural(results.endOfLife.images.length, 'image');
    return `❌ vulngate: FAIL — ${eol} of ${scanned} on an end-of-life OS release (eol_os: block)${errors}`;
  }
  if (results.verdict === 'fail') {
    return `❌ vulngate: FAIL — ${plural(failing.length, what)} in ${failedImages} of ${scanned}${errors}${already}`;
  }
  if (results.errors.length > 0) return `⚠️ vulngate: ERROR — no ${what}s in ${scanned}${errors}${already}`;
  return `✅ vulngate: PASS — no ${what}s in ${scanned}${already}`;
}

/** The job summary: the verdict and profile, then one section per part of the results, within GitHub's size limit. */
export function renderSummary({ results, notes = [] }: SummaryArgs): string {
  const parts = [
    ...headerSection(results, notes),
    ...targetSections(results),
    ...[layersLine(results), notJudgedLine(results)].filter((line) => line !== undefined),
    ...errorSection(results),
    ...blockingSections(results),
    ...baselineSections(results, SUMMARY_ROW_LIMIT),
    ...exceptedSection(results),
    ...exceptionSections(results),
  ];
  return withinBytes(`${parts.join('\n\n')}\n`, SUMMARY_BYTE_LIMIT);
}

/** The verdict, the profile that judged (a central one with its commit), and the run's notes. */
function headerSection(results: GateResults, notes: string[]): string[] {
  const { profile } = results;
  const atCommit = profile.origin ? ` at commit ${code(profile.origin.commit.slice(0, 12)).md}` : '';
  return [
    `## ${verdictLine(results)}`,
    `Profile ${code(profile.source).md}${atCommit}: fails on ${profile.severity} and ` +
      `above${profile.ignoreUnfixed ? ', ignores findings without a fix' : ', including findings without a fix'}.` +
      overridesText(results),
    ...results.warnings.map((w) => `⚠️ ${mdText(w.message).md}`),
    ...notes,
  ];
}

/** One table of counts per kind of target: images, code directories, SBOMs. */
function targetSections(results: GateResults): string[] {
  const columns = ['Critical', 'High', 'Medium', 'Low', 'Unknown', 'Blocking', 'Excepted', 'Unfixed'];
  return byKind(results.images, (i) => i.kind).flatMap(([kind, targets]) => [
    `### ${KIND_HEADINGS[kind]}`,
    table(
      [KIND_COLUMN[kind], ...columns, 'Below threshold', 'VEX: not affected'],
      targets.map((i) => [
        code(i.name),
        i.bySeverity.CRITICAL,
        i.bySeverity.HIGH,
        i.bySeverity.MEDIUM,
        i.bySeverity.LOW,
        i.bySeverity.UNKNOWN,
        i.counts.blocking,
        i.counts.excepted,
        i.counts.unfixed,
        i.counts['below-threshold'],
        i.counts.vex,
      ]),
    ),
  ]);
}

function errorSection(results: GateResults): string[] {
  if (results.errors.length === 0) return [];
  return [
    '### Scan errors',
    table(
      ['Target', 'Source', 'Error'],
      results.errors.map((e) => [code(e.image), e.source, e.message]),
    ),
  ];
}

/** Blocking findings, most severe first: one table per kind of target (code directories name their lockfile). */
function blockingSections(results: GateResults): string[] {
  const groups = byKind(sorted(blockingFindings(results)), (f) => f.targetKind);
  return groups.flatMap(([kind, list]) => {
    // Images only: the heading the summary always had; with code too, one table per kind of target.
    const where = groups.length > 1 || kind !== 'image' ? ` in ${KIND_IN[kind]}` : '';
    const rows = (found: JudgedFinding[]) =>
      kind === 'fs'
        ? table(
            ['Directory', 'Lockfile', 'Vulnerability', 'Severity', 'Package', 'Installed', 'Fixed in'],
            found.map((f) => [
              code(f.image),
              f.target,
              link(f),
              severityWithMarks(f),
              f.package,
              f.installedVersion,
              f.fixedVersion,
            ]),
          )
        : table(
            [KIND_COLUMN[kind], 'Vulnerability', 'Severity', 'Package', 'Installed', 'Fixed in'],
            found.map((f) => [
              code(f.image),
              link(f),
              severityWithMarks(f),
              f.package,
              f.installedVersion,
              f.fixedVersion,
            ]),
          );
    return [`### Blocking findings${where} (${list.length})`, capped(list, SUMMARY_ROW_LIMIT, rows)];
  });
}

/** Findings an exception of the profile accepted, with what it says (note, until, owner, ticket). */
function exceptedSection(results: GateResults): string[] {
  const excepted = sorted(results.findings.filter((f) => f.decision === 'excepted'));
  if (excepted.length === 0) return [];
  return [
    `### Excepted findings (${excepted.length})`,
    capped(excepted, SUMMARY_ROW_LIMIT, (rows) =>
      table(
        ['Image', 'Vulnerability', 'Severity', 'Package', 'Note', 'Until', 'Owner', 'Ticket'],
        rows.map((f) => [
          code(f.image),
          link(f),
          f.severity,
          f.package,
          f.exception?.note,
          f.exception?.until,
          f.exception?.owner,
          f.exception?.ticket,
        ]),
      ),
    ),
  ];
}

/** The profile's exceptions that need a look: expired, expiring soon, unused. */
function exceptionSections(results: GateResults): string[] {
  const { expired, expiringSoon, unused } = results.exceptions;
  const parts: string[] = [];
  if (expired.length > 0)
    parts.push(`### Expired exceptions (${expired.length})`, exceptionTable(expired, 'Expired after'));
  if (expiringSoon.length > 0)
    parts.push(
      `### Exceptions expiring within ${EXPIRING_SOON_DAYS} days (${expiringSoon.length})`,
      exceptionTable(expiringSoon, 'Last day'),
    );
  if (unused.length > 0) parts.push(`### Unused exceptions (${unused.length})`, unusedTable(unused));
  return parts;
}

function exceptionTable(list: ResultsException[], dateHeader: string): string {
  return capped(list, SUMMARY_ROW_LIMIT, (rows) =>
    table(
      ['Exception', 'Package', dateHeader, 'Note', 'Where'],
      rows.map((e) => [e.id, e.package, e.until, e.note, e.origin]),
    ),
  );
}

/** Why each excepted nothing: which of its conditions did not hold. */
function unusedTable(list: ResultsException[]): string {
  return capped(list, SUMMARY_ROW_LIMIT, (rows) =>
    table(
      ['Exception', 'Package', 'Until', 'Note', 'Why unused', 'Where'],
      rows.map((e) => [e.id, e.package, e.until, e.note, e.why, e.origin]),
    ),
  );
}

/** ` Overridden: severity CRITICAL by VULNGATE_SEVERITY (the profile says HIGH).` — what judged is not the file. */
function overridesText(results: GateResults): string {
  const list = results.profile.overrides ?? [];
  if (list.length === 0) return '';
  const each = list.map(
    (o) => `${o.key} ${String(o.value)} by ${code(o.from).md} (the profile says ${String(o.profileValue)})`,
  );
  return ` Overridden: ${each.join('; ')}.`;
}

function link(f: JudgedFinding): Markdown | string {
  return f.primaryUrl ? mdLink(f.id, f.primaryUrl) : f.id;
}

/** Within GitHub's limit whatever the tables hold: cut at a line, with where the rest is. */
export function withinBytes(markdown: string, limit: number): string {
  if (Buffer.byteLength(markdown) <= limit) return markdown;
  const note = `\n\n… cut to stay within ${limit} bytes (see \`${OUTPUT_FILES.results}\`).\n`;
  let cut = markdown.slice(0, limit - note.length);
  while (Buffer.byteLength(cut) > limit - note.length) cut = cut.slice(0, -1000);
  return `${cut.slice(0, cut.lastIndexOf('\n'))}${note}`;
}

/** Exploited first (KEV, then EPSS), then by severity: what to fix first is at the top. */
function sorted(findings: JudgedFinding[]): JudgedFinding[] {
  return [...findings].sort(
    (a, b) =>
      compareExploitation(a, b) ||
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

/** Reports with misconfigurations or licences: the profile judges neither, and the summary says so. */
function notJudgedLine(results: GateResults): string | undefined {
  const misconfigurations = results.images.reduce((n, i) => n + (i.notJudged?.misconfigurations ?? 0), 0);
  const licenses = results.images.reduce((n, i) => n + (i.notJudged?.licenses ?? 0), 0);
  if (misconfigurations + licenses === 0) return undefined;
  const what = [
    misconfigurations > 0 ? plural(misconfigurations, 'misconfiguration') : '',
    licenses > 0 ? plural(licenses, 'licence') : '',
  ].filter(Boolean);
  return (
    `⚠️ Not judged: ${what.join(' and ')} in the reports. vulngate judges vulnerabilities and secrets only; ` +
    'these are in the raw reports under `reports/`.'
  );
}
