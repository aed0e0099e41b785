import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';

/** A .tar.gz shaped like a Trivy release: `trivy` plus the license files at the top. */
export async function releaseArchive(binary: Buffer): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  const add = (name: string, body: Buffer, mode: number) =>
    new Promise<void>((resolve, reject) =>
      pack.entry({ name, mode, mtime: new Date('2024-01-01T00:00:00Z') }, body, (e) => (e ? reject(e) : resolve())),
    );
  await add('LICENSE', Buffer.from('Apache License 2.0\n'), 0o644);
  await add('README.md', Buffer.from('# trivy\n'), 0o644);
  await add('trivy', binary, 0o755);
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks), { level: 1 });
}

export interface ReleaseServer {
  url: string;
  requests: string[];
  close: () => Promise<void>;
}

/** Serves files under /releases/download/v<version>/<asset> on 127.0.0.1; anything else is 404. */
export function serveReleases(files: Record<string, Buffer>): Promise<ReleaseServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (req.method !== 'GET' || !body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${address.port}`,
        requests,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

export const readBinary = (file: string) => readFileSync(file);
