/** Table cells: one line, no column breaks. */
export function cell(value: string | number | undefined): string {
  if (value === undefined || value === '') return '–';
  return String(value).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

export function table(header: string[], rows: (string | number | undefined)[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
