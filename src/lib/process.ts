import { spawn } from 'node:child_process';

export interface ProcessResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunProcessArgs {
  command: string;
  /** Always an argument array: nothing passes through a shell. */
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Called per stderr line, for live progress. */
  onStderrLine?: (line: string) => void;
}

/** The last this many characters of stdout/stderr are kept: why a run failed is at the end (debug logs are long). */
const KEEP_CHARS = 1_000_000;

/** Appends in amortized constant time: the text is cut back to its tail only when it has grown to twice the limit. */
class Tail {
  private text = '';
  add(chunk: string): void {
    this.text += chunk;
    if (this.text.length > 2 * KEEP_CHARS) this.text = this.text.slice(this.text.length - KEEP_CHARS);
  }
  toString(): string {
    return this.text.length > KEEP_CHARS ? this.text.slice(this.text.length - KEEP_CHARS) : this.text;
  }
}

export function runProcess({
  command,
  args,
  cwd,
  env,
  timeoutMs,
  onStderrLine,
}: RunProcessArgs): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = new Tail();
    const stderr = new Tail();
    let pending = '';
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout.add(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr.add(chunk);
      if (!onStderrLine) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(onStderrLine);
    });
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (exitCode) => {
      if (timer) clearTimeout(timer);
      if (onStderrLine && pending !== '') onStderrLine(pending);
      resolve({ exitCode, stdout: stdout.toString(), stderr: stderr.toString(), timedOut });
    });
  });
}
