import { createHash } from 'node:crypto';
import type { GateResults, ResultsFinding } from '../core/results.js';
import { compareSeverityDesc } from '../core/severity.js';
import { plural, table } from './markdown.js';
import { verdictLine } from './summary.js';

const STATE = /<!-- vulngate-state (\{.*?\}) -->/;
export const COMMENT_ROW_LIMIT = 30;

/** Names one job of one workflow by what it scanned: matrix jobs share a job id but not their images. */
export function jobKey(args: { workflow: string; job: string; images: string[] }): string {
  return createHash('sha256').update([args.workflow, args.job, ...[...args.images].sort()].join('\n')).digest('hex').slice(0, 16);
}

/** One comment per pull request and job, found again by this hidden marker. */
export function commentMarker(key: string): string {
  return `<!-- vulngate-comment ${key} -->`;
}

const findingKey = (f: ResultsFinding) => `${f.image}|${f.package}|${f.id}`;

/** The blocking set the previous comment recorded; empty for a first comment or an unreadable one. */
export function previousBlocking(body: string | undefined): Set<string> {
  const match = body ? STATE.exec(body) : null;
  if (!match) return new Set();
  try {
    const state = JSON.parse(match[1]!) as { blocking?: unknown };
    return new Set(Array.isArray(state.blocking) ? state.blocking.filter((k): k is string => typeof k === 'string') : []);
  } catch {
    return new Set();
  }
}

export interface PrCommentArgs {
  results: GateResults;
  marker: string;
  previousBody?: string;
  /** Where the full results are (run or artifact URL). */
  detailsUrl?: string;
}

export function renderPrComment({ results, marker, previousBody, detailsUrl }: PrCommentArgs): string {
  const blocking = results.findings
    .filter((f) => f.decision === 'blocking')
    .sort((a, b) => compareSeverityDesc(a.severity, b.severity) || findingKey(a).localeCompare(findingKey(b)));
  const now = new Set(blocking.map(findingKey));
  const before = previousBlocking(previousBody);
  const added = blocking.filter((f) => !before.has(findingKey(f)));
  const resolved = [...before].filter((k) => !now.has(k)).sort();
  const parts = [marker, `<!-- vulngate-state ${JSON.stringify({ blocking: [...now].sort() })} -->`, `### ${verdictLine(results)}`];
  if (previousBody !== undefined) {
    const changes = [`${plural(added.length, 'new blocking finding')}`, `${resolved.length} resolved`];
    parts.push(`Since the last comment: ${changes.join(', ')}.`);
    if (resolved.length > 0) parts.push(`Resolved: ${resolved.map((k) => `\`${k.split('|').reverse().join(' in ').replace(/ in ([^ ]+)$/, ' ($1)')}\``).join(', ')}`);
  }
  if (blocking.length > 0) {
    const shown = blocking.slice(0, COMMENT_ROW_LIMIT);
    parts.push(
      table(
        ['', 'Image', 'Vulnerability', 'Severity', 'Package', 'Installed', 'Fixed in'],
        shown.map((f) => [before.has(findingKey(f)) || previousBody === undefined ? ' ' : '🆕', `\`${f.image}\``, f.primaryUrl ? `[${f.id}](${f.primaryUrl})` : f.id, f.severity, f.package, f.installedVersion, f.fixedVersion]),
      ),
    );
    if (blocking.length > shown.length) parts.push(`…and ${blocking.length - shown.length} more.`);
  }
  const excepted = results.findings.filter((f) => f.decision === 'excepted').length;
  parts.push(`Profile \`${results.profile.source}\` (${results.profile.severity} and above${results.profile.ignoreUnfixed ? ', fixable only' : ''}); ${plural(excepted, 'excepted finding')}.${detailsUrl ? ` [Full results](${detailsUrl})` : ''}`);
  return `${parts.join('\n\n')}\n`;
}
