import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanError, errorCode } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { httpClient } from '../lib/http.js';
import { ONE_ATTEMPT } from '../lib/retry.js';
import { cleanTrivyEnvironment, lastErrorLine } from './environment.js';

/**
 * `trivy server` on 127.0.0.1 for one run: its fs cache is the layer cache, and every image is scanned as its client,
 * so parallel scans share it (Trivy's bolt cache cannot be opened by two processes). The token is random, passed by
 * environment (never argv), and the server is stopped at the end of the run and when the run is stopped by a signal.
 */
export interface LocalServer {
  url: string;
  token: string;
  /** Undefined while it runs; why it stopped, once it has. */
  exited(): string | undefined;
  stop(): Promise<void>;
}

export interface StartServerArgs {
  binary: string;
  cacheDir: string;
  parentEnv: NodeJS.ProcessEnv;
  logger: Logger;
  /** How long it may take to answer /healthz. */
  startTimeoutMs?: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** /healthz while the server starts: one quick attempt each, the start loop is the retry. */
const HEALTH = httpClient({
  service: 'the local Trivy server',
  retry: ONE_ATTEMPT,
  timeoutMs: 2000,
});

/** The running server process: why it stopped once it has, and how to stop it (also on SIGTERM/SIGINT). */
interface ServerProcess {
  exited(): string | undefined;
  stop(): Promise<void>;
  pid: number | undefined;
}

function spawnServer(args: StartServerArgs, port: number, token: string, cwd: string): ServerProcess {
  const child: ChildProcess = spawn(
    args.binary,
    [
      'server',
      '--listen',
      `127.0.0.1:${port}`,
      '--cache-dir',
      path.resolve(args.cacheDir),
      // The DB was prepared before; `trivy server` takes neither --skip-version-check nor --disable-telemetry.
      '--skip-db-update',
    ],
    { cwd, env: cleanTrivyEnvironment(args.parentEnv, { TRIVY_TOKEN: token }), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  let exitReason: string | undefined;
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      exitReason = `cannot run ${args.binary} (${errorCode(err)})`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitReason ??= `the local Trivy server stopped (${signal ?? `exit ${code}`}): ${lastErrorLine(stderr)}`;
      resolve();
    });
  });
  // A cancelled job must not leave the server running: kill it, then let the signal do what it would have done.
  const onSignal = (signal: NodeJS.Signals) => {
    child.kill('SIGKILL');
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  const stop = async () => {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    if (exitReason === undefined) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    await rm(cwd, { recursive: true, force: true });
  };
  return { exited: () => exitReason, stop, pid: child.pid };
}

/** Until /healthz answers: a server that stopped, or did not answer in time, is a scanner error. */
async function waitHealthy(server: ServerProcess, url: string, startTimeoutMs: number): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const exitReason = server.exited();
    if (exitReason !== undefined) {
      await server.stop();
      throw new ScanError(`could not start the local Trivy server: ${exitReason}`);
    }
    try {
      await HEALTH.send({ url: `${url}/healthz` });
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new ScanError(`the local Trivy server did not answer on ${url} within ${startTimeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startLocalServer(args: StartServerArgs): Promise<LocalServer> {
  const token = randomBytes(24).toString('hex');
  const port = await freePort();
  const cwd = await mkdtemp(path.join(tmpdir(), 'vulngate-trivy-server-'));
  const server = spawnServer(args, port, token, cwd);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(server, url, args.startTimeoutMs ?? 60_000);
  args.logger.debug(`Local Trivy server on ${url} (pid ${server.pid}), layer cache in ${args.cacheDir}`);
  return { url, token, exited: server.exited, stop: server.stop };
}
