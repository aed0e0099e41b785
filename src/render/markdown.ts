import { OUTPUT_FILES } from '../core/results.js';
import { oneLine, shorten } from '../core/text.js';

/** Markdown already made safe by the helpers below; other values are escaped as text. */
export interface Markdown {
  md: string;
}

/** Longest text a table cell shows; the results file has it whole. */
export const CELL_LIMIT = 300;

/**
 * Text as inline markdown: one line, markdown and HTML syntax escaped, `@name` unable to mention anyone (a zero-width
 * space after the @). Package names, titles and paths come from the scanned image.
 */
export function text(value: string): Markdown {
  const escaped = oneLine(value)
    .replace(/[\\`*_[\]<>|~#!]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/@/g, '@\u200b');
  return { md: escaped };
}

/** An inline code span that no backtick in the value can end early; pipes escaped for tables. */
export function code(value: string): Markdown {
  const line = oneLine(value);
  const longest = Math.max(0, ...[...line.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = line.startsWith('`') || line.endsWith('`') ? ' ' : '';
  return { md: `${fence}${pad}${line.replace(/\|/g, '\\|')}${pad}${fence}` };
}

/** A link only to http(s) URLs; anything else is shown as text. */
export function link(label: string, url: string): Markdown {
  const safeLabel = text(label).md;
  if (!/^https?:\/\/[^\s<>()]+$/i.test(url)) return { md: safeLabel };
  return { md: `[${safeLabel}](${url})` };
}

function isMarkdown(value: unknown): value is Markdown {
  return typeof value === 'object' && value !== null && 'md' in value;
}

/** Table cells: one line, shortened, no column breaks; text is escaped, Markdown passes as made. */
export function cell(value: string | number | undefined | Markdown): string {
  if (value === undefined || value === '') return '–';
  if (isMarkdown(value)) return value.md;
  return text(shorten(String(value), CELL_LIMIT)).md;
}

export function table(header: string[], rows: (string | number | undefined | Markdown)[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The first `limit` rows rendered, then how many more there are and where they all are. */
export function capped<T>(rows: T[], limit: number, render: (rows: T[]) => string): string {
  if (rows.length <= limit) return render(rows);
  return `${render(rows.slice(0, limit))}\n\n… and ${rows.length - limit} more (see \`${OUTPUT_FILES.results}\`).`;
}
