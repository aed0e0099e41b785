import { code, link, table, text } from '../../../render/markdown.js';
import type { IssueSpec } from './sync.js';

/** At the very start of the body, where vulngate writes it: a marker quoted further down is someone's text. */
const MARKER = /^<!-- vulngate-issue key=([0-9a-f]{16}) target=([0-9a-f]{12}) hash=([0-9a-f]{12}) -->/;

/** The hidden marker an issue is found again by (GitHub, GitLab): key, target and content hash. */
export function readMarker(body: unknown): { key: string; targetKey: string; contentHash: string } | undefined {
  const match = typeof body === 'string' ? MARKER.exec(body) : null;
  if (!match) return undefined;
  return { key: match[1] ?? '', targetKey: match[2] ?? '', contentHash: match[3] ?? '' };
}

/** The issue's text: everything from the scan escaped for markdown; the marker first. */
export function issueMarkdown(spec: IssueSpec): string {
  const heading = spec.primaryUrl ? link(spec.id, spec.primaryUrl).md : text(spec.id).md;
  return [
    `<!-- vulngate-issue key=${spec.key} target=${spec.targetKey} hash=${spec.contentHash} -->`,
    `**${heading}** (${spec.severity}) blocks the security gate in ${code(spec.target).md}.`,
    '',
    table(
      ['Package', 'Installed', 'Fixed in', 'Where'],
      spec.packages.map((p) => [p.name, p.installed, p.fixed || 'no fix yet', p.where]),
    ),
    '',
    text(spec.reason).md,
    '',
    '_Opened and kept up to date by vulngate; it closes this issue when the finding no longer blocks._',
  ].join('\n');
}
