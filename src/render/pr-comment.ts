import { findingPlace, type JudgedFinding } from '../core/finding.js';
import { blockingFindings, type GateResults } from '../core/results.js';
import { compareExploitation, severityWithMarks } from '../core/exploitation.js';
import { compareSeverityDesc } from '../core/severity.js';
import { oneLine, shorten } from '../core/text.js';
import { code, link, plural, table } from './markdown.js';
import { baselineLine } from './baseline-sections.js';
import { byKind, verdictLine } from './summary.js';

const KIND_LABEL = { image: 'image', fs: 'code', sbom: 'SBOM' } as const;

/** `code: services/api/package-lock.json`, `image: shop/api:1.2`. */
function targetCell(f: JudgedFinding) {
  const where = findingPlace(f);
  return code(`${KIND_LABEL[f.targetKind]}: ${where}`);
}

const STATE = /<!-- vulngate-state (\{.*\}) -->/;
export const COMMENT_ROW_LIMIT = 30;
/** GitHub refuses a comment over 65,536 characters; the state keeps this many blocking findings at most. */
export const COMMENT_CHAR_LIMIT = 65_000;
export const STATE_LIMIT = 200;

/** One comment per pull request and job, found again by this hidden marker. */
export function commentMarker(key: string): string {
  return `<!-- vulngate-comment ${key} -->`;
}

/** The finding's identity, shortened: the state records every blocking finding and must stay small. */
const findingKey = (f: JudgedFinding) => f.fingerprint.slice(0, 16);
const findingLabel = (f: JudgedFinding) => shorten(oneLine(`${f.id} in ${f.package} (${f.image})`), 100);

/** JSON inside an HTML comment: no `<`, `>` or `&` in it, so no `-->` can end the comment early. */
function commentJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The blocking set the previous comment recorded (key → label); empty for a first comment or an unreadable one. */
export function previousBlocking(body: string | undefined): Map<string, string> {
  const json = body ? STATE.exec(body)?.[1] : undefined;
  if (json === undefined) return new Map();
  try {
    const state = JSON.parse(json) as { blocking?: unknown };
    // A list is the format before the one identity (no labels to show): counted as empty once.
    if (typeof state.blocking !== 'object' || state.blocking === null || Array.isArray(state.blocking))
      return new Map();
    return new Map(Object.entries(state.blocking).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return new Map();
  }
}

export interface PrCommentArgs {
  results: GateResults;
  marker: string;
  previousBody?: string;
  /** Where the full results are (run or artifact URL). */
  detailsUrl?: string;
}

/** Table order: most severe first, then image, package and id, as people scan it. */
const sortKey = (f: JudgedFinding) => `${f.image}|${f.package}|${f.id}`;

export function renderPrComment({ results, marker, previousBody, detailsUrl }: PrCommentArgs): string {
  const blocking = blockingFindings(results).sort(
    (a, b) =>
      compareExploitation(a, b) || compareSeverityDesc(a.severity, b.severity) || sortKey(a).localeCompare(sortKey(b)),
  );
  const now = new Map(blocking.map((f) => [findingKey(f), findingLabel(f)]));
  const before = previousBlocking(previousBody);
  const added = blocking.filter((f) => !before.has(findingKey(f)));
  const resolved = [...before]
    .filter(([k]) => !now.has(k))
    .map(([, label]) => label)
    .sort();
  // The most severe first: past the limit, the least severe are not tracked as "already there" next time.
  const state = Object.fromEntries([...now].slice(0, STATE_LIMIT).sort(([a], [b]) => a.localeCompare(b)));
  const parts = [marker, `<!-- vulngate-state ${commentJson({ blocking: state })} -->`, `### ${verdictLine(results)}`];
  const sinceBaseline = baselineLine(results);
  if (sinceBaseline) parts.push(sinceBaseline);
  if (previousBody !== undefined) {
    const changes = [`${plural(added.length, 'new blocking finding')}`, `${resolved.length} resolved`];
    parts.push(`Since the last comment: ${changes.join(', ')}.`);
    const shownResolved = resolved.slice(0, COMMENT_ROW_LIMIT).map((label) => code(label).md);
    const moreResolved = resolved.length > COMMENT_ROW_LIMIT ? ` and ${resolved.length - COMMENT_ROW_LIMIT} more` : '';
    if (resolved.length > 0) parts.push(`Resolved: ${shownResolved.join(', ')}${moreResolved}`);
  }
  if (blocking.length > 0) {
    // Grouped by kind of target (images, code dependencies, SBOMs), most severe first within each.
    const shown = byKind(blocking, (f) => f.targetKind)
      .flatMap(([, list]) => list)
      .slice(0, COMMENT_ROW_LIMIT);
    const mixed = new Set(blocking.map((f) => f.targetKind)).size > 1 || blocking[0]?.targetKind !== 'image';
    parts.push(
      table(
        ['', mixed ? 'Target' : 'Image', 'Vulnerability', 'Severity', 'Package', 'Installed', 'Fixed in'],
        shown.map((f) => [
          before.has(findingKey(f)) || previousBody === undefined ? ' ' : '🆕',
          mixed ? targetCell(f) : code(f.image),
          f.primaryUrl ? link(f.id, f.primaryUrl) : f.id,
          severityWithMarks(f),
          f.package,
          f.installedVersion,
          f.fixedVersion,
        ]),
      ),
    );
    if (blocking.length > shown.length)
      parts.push(`… and ${blocking.length - shown.length} more (see the full results).`);
  }
  const excepted = results.findings.filter((f) => f.decision === 'excepted').length;
  const { source, severity, ignoreUnfixed } = results.profile;
  const fixable = ignoreUnfixed ? ', fixable only' : '';
  const details = detailsUrl ? ` ${link('Full results', detailsUrl).md}` : '';
  const accepted = plural(excepted, 'excepted finding');
  parts.push(`Profile ${code(source).md} (${severity} and above${fixable}); ${accepted}.${details}`);
  const body = `${parts.join('\n\n')}\n`;
  return body.length <= COMMENT_CHAR_LIMIT
    ? body
    : `${body.slice(0, body.lastIndexOf('\n', COMMENT_CHAR_LIMIT))}\n\n… cut.\n`;
}
