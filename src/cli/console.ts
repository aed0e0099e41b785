import { readFile } from 'node:fs/promises';
import type { GateOutcome } from '../app/gate.js';
import { verdictLine } from '../render/summary.js';
import { renderTerminal, terminalStyle } from '../render/terminal.js';

/** What the terminal gets (`--format`, `--quiet`); the files in the output directory are the same either way. */
export interface ConsoleFormat {
  format: 'table' | 'text' | 'markdown' | 'json';
  quiet: boolean;
}

/**
 * table: aligned tables fitted to the terminal, coloured on a TTY (NO_COLOR and FORCE_COLOR honoured), plain in a
 * CI log; markdown: summary.md as it is; json: the audit record; quiet: the verdict line alone.
 */
export async function consoleReport(
  gate: GateOutcome,
  how: ConsoleFormat,
  io: { stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<string> {
  const files = `\nResults: ${gate.files.results}\nSummary: ${gate.files.summary}\n`;
  if (how.quiet) return `${verdictLine(gate.results)}\n`;
  if (how.format === 'json') return readFile(gate.files.results, 'utf8');
  if (how.format === 'markdown') return `${gate.summaryMarkdown}${files}`;
  const stream = io.stdout as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  return `${renderTerminal(gate.results, terminalStyle(stream, io.env))}${files}`;
}
