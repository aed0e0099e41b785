// The Azure Blob Storage side of GitHub's results service, as @actions/artifact and @actions/cache use it through
// signed URLs: single-shot and block uploads (PUT, comp=block / comp=blocklist), HEAD for properties, ranged GETs.
import type { IncomingMessage, ServerResponse } from 'node:http';

const SIGNATURE = 'c2ln';

export class BlobStore {
  private readonly blocks = new Map<string, Map<string, Buffer>>();
  readonly blobs = new Map<string, Buffer>();

  /** A signed URL for a blob at this key. */
  url(host: string, key: string): string {
    return `http://${host}/blob/${encodeURIComponent(key)}?sv=2023-11-03&sig=${SIGNATURE}`;
  }

  /** Handles /blob/… requests; returns false for anything else. */
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/blob\/(.+)$/.exec(url.pathname);
    if (!match) return false;
    const key = decodeURIComponent(match[1]!);
    const headers = {
      'x-ms-request-id': 'r1',
      'x-ms-version': '2023-11-03',
      etag: '"0x1"',
      'last-modified': new Date(0).toUTCString(),
    };
    if (url.searchParams.get('sig') !== SIGNATURE) {
      res.writeHead(403, headers).end();
      return true;
    }
    if (req.method === 'PUT') {
      const comp = url.searchParams.get('comp');
      const staged = this.blocks.get(key) ?? new Map<string, Buffer>();
      this.blocks.set(key, staged);
      if (comp === 'block') staged.set(url.searchParams.get('blockid') ?? '', body);
      else if (comp === 'blocklist') {
        const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)<\//g)].map(
          (m) => m[1]!,
        );
        this.blobs.set(key, Buffer.concat(ids.map((id) => staged.get(id) ?? Buffer.alloc(0))));
      } else this.blobs.set(key, body);
      res.writeHead(201, headers).end();
      return true;
    }
    const blob = this.blobs.get(key);
    if (!blob) {
      res.writeHead(404, { ...headers, 'x-ms-error-code': 'BlobNotFound' }).end();
      return true;
    }
    const props = {
      ...headers,
      'x-ms-blob-type': 'BlockBlob',
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
    };
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...props, 'content-length': blob.length }).end();
      return true;
    }
    const range = /bytes=(\d+)-(\d*)/.exec(String(req.headers['x-ms-range'] ?? req.headers.range ?? ''));
    if (!range) {
      res.writeHead(200, { ...props, 'content-length': blob.length }).end(blob);
      return true;
    }
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), blob.length - 1) : blob.length - 1;
    const part = blob.subarray(start, end + 1);
    res
      .writeHead(206, {
        ...props,
        'content-length': part.length,
        'content-range': `bytes ${start}-${end}/${blob.length}`,
      })
      .end(part);
    return true;
  }
}
