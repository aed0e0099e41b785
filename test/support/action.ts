import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import { ROOT } from './paths.ts';

export interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** The runner's files and INPUT_* variables for one action run. */
export function actionEnvironment(inputs: Record<string, string>): {
  env: NodeJS.ProcessEnv;
  outputFile: string;
  summaryFile: string;
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-runner-'));
  const outputFile = path.join(dir, 'output');
  const summaryFile = path.join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: NodeJS.ProcessEnv = { GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: dir };
  // As the runner sets them: INPUT_ + the input name upper-cased, dashes kept.
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return { env, outputFile, summaryFile };
}

/** GITHUB_OUTPUT's heredoc format: name<<delimiter / value / delimiter. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const value: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== m[2]; i += 1) value.push(lines[i] ?? '');
    outputs[m[1]!] = value.join('\n');
  }
  return outputs;
}

/** dist/index.js on Node 24, as the runner starts it. Async: local test servers live in this process. */
export async function runDistAction(
  inputs: Record<string, string>,
  extraEnv: NodeJS.ProcessEnv = {},
  cwd = ROOT,
): Promise<ActionRun> {
  const { env, outputFile, summaryFile } = actionEnvironment(inputs);
  const node = process.env.NODE24 ?? process.execPath;
  const child = spawn(node, [path.join(ROOT, 'dist/index.js')], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  clearTimeout(timer);
  return {
    code,
    stdout,
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
  };
}

/**
 * The action's workflow commands (::error::, ::add-mask:: …) written to stdout in this process; undone by
 * jest.restoreAllMocks().
 */
export function captureStdout(): string[] {
  const written: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return written;
}
