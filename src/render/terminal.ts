import Table from 'cli-table3';
import pc from 'picocolors';
import { compareExploitation, exploitationMarks } from '../core/exploitation.js';
import { findingPlace, type JudgedFinding } from '../core/finding.js';
import { blockingFindings, type GateResults } from '../core/results.js';
import { compareSeverityDesc, type Severity } from '../core/severity.js';
import { oneLine, shorten } from '../core/text.js';
import { verdictLine } from './summary.js';

/** How the terminal is: its width, and whether it takes colour (a TTY without NO_COLOR, or FORCE_COLOR). */
export interface TerminalStyle {
  width: number;
  color: boolean;
}

/** NO_COLOR (no-color.org) and FORCE_COLOR as the ecosystem reads them; else colour on a TTY only. */
export function terminalStyle(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): TerminalStyle {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const color = forced || (stream.isTTY === true && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb');
  const width = Math.max(60, Math.min(stream.columns ?? 120, 200));
  return { width, color };
}

/** Rows per table before "… and N more": the full list is in the results file. */
const ROW_LIMIT = 50;

/**
 * What a person reads at a terminal, in the manner of Trivy's table output: a header with the profile and the DB,
 * the verdict, and per target an aligned table of its blocking findings (exploited first, then by severity) with
 * their titles, fitted to the width. Every string from a report is one line without control characters, so no
 * escape sequence in a package name reaches the terminal.
 */
export function renderTerminal(results: GateResults, style: TerminalStyle): string {
  const c = pc.createColors(style.color);
  const lines: string[] = [header(results, c), verdict(results, c), ''];
  const blocking = blockingFindings(results);
  for (const image of results.images) {
    const own = blocking.filter((f) => f.image === image.name);
    const counts = Object.entries(image.counts)
      .filter(([, n]) => n > 0)
      .map(([decision, n]) => `${n} ${decision}`)
      .join(', ');
    lines.push(`${c.bold(clean(image.name))}${image.os ? ` (${clean(image.os)})` : ''} — ${counts || 'no findings'}`);
    if (own.length > 0) lines.push(findingsTable(own, style, c), '');
  }
  for (const w of results.warnings) lines.push(c.yellow(`! ${clean(w.message)}`));
  for (const e of results.errors) lines.push(c.red(`✖ ${clean(e.source)}: ${clean(e.message)}`));
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

type Colors = ReturnType<typeof pc.createColors>;

function header(results: GateResults, c: Colors): string {
  const { profile, tool } = results;
  const origin = profile.origin ? ` @ ${profile.origin.commit.slice(0, 12)}` : '';
  const unfixed = profile.ignoreUnfixed ? 'ignores unfixed' : 'unfixed count';
  const db = tool.trivyDb ? ` · DB ${tool.trivyDb.updatedAt.slice(0, 10)}` : '';
  return c.dim(
    `vulngate ${tool.version} · Trivy ${tool.trivyVersion || '?'}${db} · profile ${clean(profile.source)}${origin} ` +
      `(fails on ${profile.severity}+, ${unfixed})`,
  );
}

function verdict(results: GateResults, c: Colors): string {
  // The summary's emoji give way to the terminal's own marks.
  const line = verdictLine(results).replace(/^(?:✅|❌|⚠️)\s*/u, '');
  if (results.verdict === 'fail') return c.bold(c.red(`✖ ${line}`));
  if (results.verdict === 'error') return c.bold(c.yellow(`! ${line}`));
  return c.bold(c.green(`✔ ${line}`));
}

const SEVERITY_COLOR: Record<Severity, (c: Colors, s: string) => string> = {
  CRITICAL: (c, s) => c.bold(c.red(s)),
  HIGH: (c, s) => c.red(s),
  MEDIUM: (c, s) => c.yellow(s),
  LOW: (c, s) => c.blue(s),
  UNKNOWN: (c, s) => c.gray(s),
};

function findingsTable(findings: JudgedFinding[], style: TerminalStyle, c: Colors): string {
  const sorted = [...findings].sort(
    (a, b) => compareExploitation(a, b) || compareSeverityDesc(a.severity, b.severity) || a.id.localeCompare(b.id),
  );
  const shown = sorted.slice(0, ROW_LIMIT);
  const [fixed, title] = columnWidths(style.width);
  const table = new Table({
    head: ['Vulnerability', 'Severity', 'Package', 'Installed', 'Fixed in', 'Title'].map((h) => c.bold(h)),
    colWidths: [...fixed, title],
    wordWrap: false,
    style: { head: [], border: [] },
  });
  for (const f of shown) {
    const marks = exploitationMarks(f);
    table.push([
      clean(f.id),
      `${SEVERITY_COLOR[f.severity](c, f.severity)}${marks ? ` ${c.magenta(marks.replace(/ since /, ' '))}` : ''}`,
      clean(f.targetKind === 'fs' ? `${f.package} (${findingPlace(f)})` : f.package),
      clean(f.installedVersion),
      clean(f.fixedVersion) || c.dim('no fix'),
      shorten(clean(f.title || f.description), title - 2),
    ]);
  }
  const more =
    sorted.length > shown.length ? `\n… and ${sorted.length - shown.length} more in vulngate-results.json` : '';
  return `${table.toString()}${more}`;
}

/**
 * Fixed columns get what they need and the title the rest; on a narrow terminal the package, severity and id columns
 * give way first, so the table is never wider than the terminal. Widths include cli-table3's padding; 7 borders.
 */
function columnWidths(width: number): [number[], number] {
  const fixed = [18, 22, 18, 14, 14];
  const available = width - 7;
  const title = Math.max(16, available - fixed.reduce((a, b) => a + b, 0));
  let excess = fixed.reduce((a, b) => a + b, 0) + title - available;
  for (const column of [2, 1, 0, 3, 4]) {
    const give = Math.min(excess, (fixed[column] ?? 10) - 10);
    if (give <= 0) continue;
    fixed[column] = (fixed[column] ?? 10) - give;
    excess -= give;
  }
  return [fixed, title];
}

/** Report text is the image author's: one line, no control characters (no escape sequences), bounded. */
function clean(text: string): string {
  return shorten(oneLine(text), 300);
}
