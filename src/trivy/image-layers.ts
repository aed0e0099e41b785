import { open, readFile, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { sha256Hex } from '../core/hash.js';

/**
 * The layers of an image archive, from its manifest and config alone: a `docker save` tar (read header by header,
 * layer contents skipped, nothing extracted) or an OCI image layout directory. Used to scan images that share a
 * base layer in an order that lets the first one fill Trivy's layer cache for the others.
 */
export interface ImageLayers {
  /** The config's rootfs.diff_ids, base layer first. */
  diffIds: string[];
  /** sha256 of the config: the image ID `docker images` shows. */
  imageId: string;
  /** The manifest's digest, where the archive has an OCI index that names it (Docker ≥ 25, OCI layouts). */
  manifestDigest?: string;
  /**
   * sha256 of what names the image beside its config: manifest.json (RepoTags) and index.json (ref annotations),
   * with the archive's format. Trivy's report takes RepoTags from them, so the same image under another tag is not
   * the same report.
   */
  namesDigest: string;
}

const BLOCK = 512;

interface TarEntry {
  offset: number;
  size: number;
}

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
}

/** Octal, or base-256 for sizes over 8 GiB (GNU). */
function sizeOf(header: Buffer): number {
  const raw = header.subarray(124, 136);
  if ((raw[0] ?? 0) & 0x80) return Number(raw.subarray(1).readBigUInt64BE(3));
  return parseInt(field(header, 124, 12).trim() || '0', 8);
}

/** PAX `path=` records override the header's name (long names). */
function paxPath(data: Buffer): string | undefined {
  for (const record of data.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

/** Names and places of the files of an uncompressed tar, reading only its 512-byte headers. */
async function tarIndex(file: string, wanted: (name: string) => boolean): Promise<Map<string, TarEntry>> {
  const handle = await open(file, 'r');
  const entries = new Map<string, TarEntry>();
  try {
    const { size: total } = await handle.stat();
    const header = Buffer.alloc(BLOCK);
    let offset = 0;
    let longName: string | undefined;
    while (offset + BLOCK <= total) {
      const { bytesRead } = await handle.read(header, 0, BLOCK, offset);
      if (bytesRead < BLOCK || header.every((b) => b === 0)) break;
      if (field(header, 257, 5) !== 'ustar' && offset === 0) throw new Error('not a tar archive');
      const size = sizeOf(header);
      const type = String.fromCharCode(header[156] ?? 0);
      const dataOffset = offset + BLOCK;
      if (type === 'x' || type === 'L') {
        const data = Buffer.alloc(Math.min(size, 65_536));
        await handle.read(data, 0, data.length, dataOffset);
        longName = type === 'L' ? field(data, 0, data.length) : paxPath(data);
      } else if (type !== 'g') {
        const prefix = field(header, 345, 155);
        const name = (longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100))).replace(
          /^\.\//,
          '',
        );
        longName = undefined;
        if (wanted(name) && type !== '5') {
          // Two entries of one name, or a link where a file is read: readers disagree on which counts (Trivy's
          // takes the first and follows links), so the archive's identity could name another image than the one
          // scanned. Such an archive is not read here: it is scanned alone and never reuses a report.
          if (entries.has(name) || (type !== '0' && type !== '\0')) throw new Error(`ambiguous entry ${name}`);
          entries.set(name, { offset: dataOffset, size });
        }
      }
      offset = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    }
  } finally {
    await handle.close();
  }
  return entries;
}

async function readEntryBytes(file: string, entry: TarEntry | undefined, what: string): Promise<Buffer> {
  if (!entry) throw new Error(`no ${what} in the archive`);
  if (entry.size > 16 * 1024 * 1024) throw new Error(`${what} is over 16 MiB`);
  const handle = await open(file, 'r');
  try {
    const data = Buffer.alloc(entry.size);
    await handle.read(data, 0, entry.size, entry.offset);
    return data;
  } finally {
    await handle.close();
  }
}

const sha256 = (data: Buffer) => `sha256:${sha256Hex(data)}`;

/** The first manifest an OCI index names. */
function indexManifest(index: unknown): string | undefined {
  const digest = (index as { manifests?: { digest?: unknown }[] } | null)?.manifests?.[0]?.digest;
  return typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
}

function diffIdsOf(config: unknown): string[] {
  const ids = (config as { rootfs?: { diff_ids?: unknown } } | null)?.rootfs?.diff_ids;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string'))
    throw new Error('config has no rootfs.diff_ids');
  return ids as string[];
}

async function fromDockerArchive(file: string): Promise<ImageLayers> {
  const index = await tarIndex(file, (name) => name.endsWith('.json') || name.startsWith('blobs/'));
  const manifestBytes = await readEntryBytes(file, index.get('manifest.json'), 'manifest.json');
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as unknown;
  const configName = (Array.isArray(manifest) ? (manifest[0] as { Config?: unknown } | undefined) : undefined)?.Config;
  if (typeof configName !== 'string') throw new Error('manifest.json names no Config');
  const config = await readEntryBytes(file, index.get(configName), configName);
  // Docker ≥ 25 writes an OCI layout beside manifest.json: its index names the manifest's digest.
  const indexBytes = index.has('index.json')
    ? await readEntryBytes(file, index.get('index.json'), 'index.json')
    : undefined;
  const manifestDigest = indexManifest(indexBytes ? (JSON.parse(indexBytes.toString('utf8')) as unknown) : undefined);
  return {
    diffIds: diffIdsOf(JSON.parse(config.toString('utf8'))),
    imageId: sha256(config),
    ...(manifestDigest ? { manifestDigest } : {}),
    namesDigest: sha256(
      Buffer.concat([Buffer.from('docker-archive\n'), manifestBytes, Buffer.from('\n'), indexBytes ?? Buffer.alloc(0)]),
    ),
  };
}

async function fromOciLayout(dir: string): Promise<ImageLayers> {
  const blob = async (digest: unknown) => {
    if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest))
      throw new Error(`bad digest ${String(digest)}`);
    return readFile(path.join(dir, 'blobs', 'sha256', digest.slice(7)));
  };
  const indexBytes = await readFile(path.join(dir, 'index.json'));
  const manifestDigest = indexManifest(JSON.parse(indexBytes.toString('utf8')));
  const manifest = JSON.parse((await blob(manifestDigest)).toString('utf8')) as { config?: { digest?: unknown } };
  const config = await blob(manifest.config?.digest);
  return {
    diffIds: diffIdsOf(JSON.parse(config.toString('utf8'))),
    imageId: sha256(config),
    manifestDigest,
    namesDigest: sha256(Buffer.concat([Buffer.from('oci-layout\n'), indexBytes])),
  };
}

/**
 * Hashing runs on the main thread otherwise: in a worker, images hashed at once use as many cores. Synchronous reads
 * of 8 MiB into one buffer: twice the speed of a 1 MiB stream (OpenSSL's SHA-NI is faster than the copies around it).
 */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
try {
  const fd = openSync(workerData, 'r');
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(8 << 20);
    let read;
    while ((read = readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, read));
    parentPort.postMessage(hash.digest('hex'));
  } finally {
    closeSync(fd);
  }
} catch (err) {
  parentPort.postMessage({ error: String(err && err.code ? err.code : err) });
}
`;

/** sha256 of a tarball, read in a worker thread: what was judged, byte for byte. */
export function fileSha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: file });
    worker.once('message', (answer: unknown) => {
      void worker.terminate();
      if (typeof answer === 'string') resolve(`sha256:${answer}`);
      else reject(new Error(`cannot read ${file} (${(answer as { error?: string }).error ?? 'unknown'})`));
    });
    worker.once('error', reject);
  });
}

/** Throws when the archive's manifest or config cannot be read; the scan then tells Trivy's own reason. */
export async function readImageLayers(source: string): Promise<ImageLayers> {
  if ((await stat(source)).isDirectory()) return fromOciLayout(source);
  return fromDockerArchive(source);
}
