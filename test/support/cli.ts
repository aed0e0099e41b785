import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { runCli } from '../../src/cli/program.ts';
import { ROOT } from './paths.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString('utf8');
}

/** The CLI in this process (from src/), with its own streams and environment. */
export async function cliInProcess(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; now?: Date } = {},
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const code = await runCli({
    argv,
    env: options.env ?? { PATH: process.env.PATH },
    stdout,
    stderr,
    now: () => options.now ?? new Date(),
  });
  return { code, stdout: out(), stderr: err() };
}

/** The bundled CLI (dist/cli/index.js) on Node 24, as users run it. */
export function cliFromDist(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliRun {
  const node = process.env.NODE24 ?? process.execPath;
  const result = spawnSync(node, [path.join(ROOT, 'dist/cli/index.js'), ...argv], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The bundled CLI as users run it, without blocking this process: for tests whose local servers (GitHub, GitLab,
 * Jira, Slack, git) live in this process and must answer while it runs.
 */
export async function distCli(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const node = process.env.NODE24 ?? process.execPath;
  const child = spawn(node, [path.join(ROOT, 'dist/cli/index.js'), ...argv], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The summary.md a CLI run wrote, found by the `Summary: <path>` line it prints last. */
export function summaryOf(run: { stdout: string }): string {
  const file = /^Summary: (.+)$/m.exec(run.stdout)?.[1];
  if (!file) throw new Error(`no Summary: line in the output:\n${run.stdout}`);
  return readFileSync(file, 'utf8');
}
