import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

/**
 * Writes text chunks to a file as they come, with backpressure, so a large output never has to be one string.
 * With `measureGzip`, gzip (on libuv's thread pool, so on the other core) counts the compressed size alongside,
 * at level 1: faster than the default and never smaller, so what fits here fits as uploaded (level 6).
 */
export async function writeChunks(file: string, chunks: Iterable<string>, measureGzip = false): Promise<number> {
  const out = createWriteStream(file);
  const gzip = measureGzip ? createGzip({ level: 1 }) : undefined;
  let gzipped = 0;
  gzip?.on('data', (c: Buffer) => {
    gzipped += c.length;
  });
  const gzipDone = gzip ? once(gzip, 'end') : Promise.resolve();
  for (const chunk of chunks) {
    // Encoded once for both sides.
    const bytes = Buffer.from(chunk);
    out.write(bytes);
    gzip?.write(bytes);
    // Checked when awaited: one side may drain while we wait for the other.
    if (out.writableNeedDrain) await once(out, 'drain');
    if (gzip?.writableNeedDrain) await once(gzip, 'drain');
  }
  out.end('\n');
  gzip?.end();
  await Promise.all([once(out, 'finish'), gzipDone]);
  return gzipped;
}
