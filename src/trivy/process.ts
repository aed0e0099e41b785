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

/** stdout/stderr kept whole up to this many characters; Trivy writes reports to files, not stdout. */
const KEEP_CHARS = 1_000_000;

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
    let stdout = '';
    let stderr = '';
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
      if (stdout.length < KEEP_CHARS) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < KEEP_CHARS) stderr += chunk;
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
      resolve({ exitCode, stdout, stderr, timedOut });
    });
  });
}
