import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';

/** Set by scripts/test.sh from scripts/prepare-trivy.sh: the real Trivy built from the Go module proxy. */
export function realTrivy(): { bin: string; dir: string; cache: string } {
  const bin = process.env.TRIVY_BIN;
  const cache = process.env.TRIVY_FIXTURE_CACHE;
  if (!bin || !cache) throw new Error('TRIVY_BIN/TRIVY_FIXTURE_CACHE are not set: run the tests with `npm test`');
  return { bin, dir: path.dirname(bin), cache };
}

/**
 * A cache dir of its own with the fixture DB: Trivy's layer cache is one bolt file that one process holds at a
 * time, so test files that run in parallel each get their own.
 */
export function freshTrivyCache(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-cache-'));
  cpSync(path.join(realTrivy().cache, 'db'), path.join(dir, 'db'), { recursive: true });
  return dir;
}

/** PATH with the real Trivy first, so vulngate finds it there. */
export function pathWithTrivy(): string {
  return `${realTrivy().dir}${path.delimiter}${process.env.PATH ?? ''}`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** `trivy server` on 127.0.0.1 with the fixture DB; resolves once /healthz answers. */
export async function startTrivyServer(
  token: string,
): Promise<{ url: string; stop: () => void; process: ChildProcess }> {
  const { bin, cache } = realTrivy();
  const port = await freePort();
  const child = spawn(
    bin,
    ['server', '--listen', `127.0.0.1:${port}`, '--cache-dir', cache, '--skip-db-update', '--token', token],
    {
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error('trivy server did not start within 30 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, process: child, stop: () => child.kill() };
}
