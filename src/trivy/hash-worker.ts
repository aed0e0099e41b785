import { Worker } from 'node:worker_threads';

/**
 * Hashing runs on the main thread otherwise: in a worker, images hashed at once use as many cores. Synchronous reads
 * of 8 MiB into one buffer: twice the speed of a 1 MiB stream (OpenSSL's SHA-NI is faster than the copies around it).
 * A compressed layer (gzip or zstd, by its magic bytes) is hashed as its diff ID is defined: after decompression.
 * With `copyTo`, what is hashed is also written there (created, never overwritten): one read for both.
 */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, writeSync, closeSync, createReadStream, fstatSync } = require('node:fs');
const zlib = require('node:zlib');
const { pipeline } = require('node:stream/promises');
const { file, offset = 0, size } = workerData;
const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
async function main() {
  const fd = openSync(file, 'r');
  const out = workerData.copyTo ? openSync(workerData.copyTo, 'wx') : undefined;
  let written = 0;
  const write = (chunk) => {
    written += chunk.length;
    if (workerData.maxBytes !== undefined && written > workerData.maxBytes)
      throw Object.assign(new Error('more than ' + workerData.maxBytes + ' bytes'), { code: 'ETOOBIG' });
    for (let at = 0; out !== undefined && at < chunk.length; ) at += writeSync(out, chunk, at);
  };
  try {
    const end = size === undefined ? fstatSync(fd).size : offset + size;
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(8 << 20);
    let position = offset;
    let read = readSync(fd, buffer, 0, Math.min(buffer.length, end - position), position);
    const head = buffer.subarray(0, read);
    const zstd = head.subarray(0, 4).equals(ZSTD);
    if (workerData.decompress && zstd && !zlib.createZstdDecompress) throw new Error('zstd needs Node 22.15 or later');
    const decompress = workerData.decompress
      ? head.subarray(0, 2).equals(GZIP) ? zlib.createGunzip() : zstd ? zlib.createZstdDecompress() : undefined
      : undefined;
    if (decompress) {
      const stream = createReadStream('', { fd, start: offset, end: end - 1, autoClose: false });
      await pipeline(stream, decompress, async function* (chunks) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          write(chunk);
        }
      });
      return { digest: hash.digest('hex'), compressed: true, size: written };
    }
    while (read > 0) {
      hash.update(buffer.subarray(0, read));
      write(buffer.subarray(0, read));
      position += read;
      read = position < end ? readSync(fd, buffer, 0, Math.min(buffer.length, end - position), position) : 0;
    }
    if (position < end) throw Object.assign(new Error('short read'), { code: 'ESHORT' });
    return { digest: hash.digest('hex'), compressed: false, size: written };
  } finally {
    closeSync(fd);
    if (out !== undefined) closeSync(out);
  }
}
main().then(
  (answer) => parentPort.postMessage(answer),
  (err) => parentPort.postMessage({ error: String((err && (err.code || err.message)) || err) }),
);
`;

export interface HashRange {
  file: string;
  /** Where the bytes start; default 0. */
  offset?: number;
  /** How many; default to the end of the file. */
  size?: number;
  /** Hash what a gzip or zstd stream decompresses to (a layer's diff ID), raw bytes otherwise. */
  decompress?: boolean;
  /** Also write what is hashed to this new file. */
  copyTo?: string;
  /** Stop (error ETOOBIG) past this many bytes hashed: a decompression bomb fills no disk and no memory. */
  maxBytes?: number;
}

export interface RangeDigest {
  digest: string;
  compressed: boolean;
  /** How many bytes were hashed (after decompression). */
  size: number;
}

/** sha256 of a file or a part of it, read in a worker thread. */
export function rangeSha256(range: HashRange): Promise<RangeDigest> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: range });
    worker.once('message', (answer: unknown) => {
      void worker.terminate();
      const { digest, compressed, size, error } = answer as Partial<RangeDigest> & { error?: string };
      if (typeof digest === 'string')
        resolve({ digest: `sha256:${digest}`, compressed: compressed === true, size: size ?? 0 });
      else reject(new Error(`cannot read ${range.file} (${error ?? 'unknown'})`));
    });
    worker.once('error', reject);
    // Gone without an answer (killed, out of memory): never a promise left waiting.
    worker.once('exit', (code) => reject(new Error(`cannot read ${range.file} (hash worker exited ${code})`)));
  });
}

/** sha256 of a whole file: what was judged, byte for byte. */
export async function fileSha256(file: string): Promise<string> {
  return (await rangeSha256({ file })).digest;
}
