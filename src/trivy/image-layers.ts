import { open, readFile, stat } from 'node:fs/promises';
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
  /** Where each layer's bytes are, in diff ID order: what is hashed to check them against their diff IDs. */
  layers: LayerPlace[];
}

/** A layer's bytes: a part of a `docker save` tar, or a blob file of an OCI layout. */
export interface LayerPlace {
  file: string;
  offset: number;
  size: number;
}

const BLOCK = 512;

interface TarEntry {
  offset: number;
  size: number;
  /** A symbolic or hard link's target (legacy `docker save` links a layer saved twice to its first copy). */
  link?: { target: string; symbolic: boolean };
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

/** PAX `path=` and `linkpath=` records override the header's name and link (long names). */
function paxRecord(data: Buffer, key: string): string | undefined {
  for (const record of data.toString('utf8').split('\n')) {
    const match = new RegExp(`^\\d+ ${key}=(.*)$`).exec(record);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * Names and places of the files of an uncompressed tar, reading only its 512-byte headers. Two entries of one name:
 * readers disagree on which counts (Trivy's takes the first), so the archive's identity could name another image
 * than the one scanned; such an archive is not read here (it is scanned alone, never reuses a report, and its layers
 * are not verified).
 */
async function tarIndex(file: string): Promise<Map<string, TarEntry>> {
  const handle = await open(file, 'r');
  const entries = new Map<string, TarEntry>();
  try {
    const { size: total } = await handle.stat();
    const header = Buffer.alloc(BLOCK);
    let offset = 0;
    let long: { name?: string; link?: string } = {};
    while (offset + BLOCK <= total) {
      const { bytesRead } = await handle.read(header, 0, BLOCK, offset);
      if (bytesRead < BLOCK || header.every((b) => b === 0)) break;
      if (field(header, 257, 5) !== 'ustar' && offset === 0) throw new Error('not a tar archive');
      const size = sizeOf(header);
      const type = String.fromCharCode(header[156] ?? 0);
      const dataOffset = offset + BLOCK;
      if (type === 'x' || type === 'L' || type === 'K') {
        const data = Buffer.alloc(Math.min(size, 65_536));
        await handle.read(data, 0, data.length, dataOffset);
        if (type === 'x') long = { name: paxRecord(data, 'path'), link: paxRecord(data, 'linkpath') };
        else long = { ...long, [type === 'L' ? 'name' : 'link']: field(data, 0, data.length) };
      } else if (type !== 'g') {
        const prefix = field(header, 345, 155);
        const plain = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
        const name = (long.name ?? plain).replace(/^\.\//, '');
        const link = long.link ?? field(header, 157, 100);
        long = {};
        if (entries.has(name)) throw new Error(`ambiguous entry ${name}`);
        if (type === '0' || type === '\0') entries.set(name, { offset: dataOffset, size });
        else if (type === '1' || type === '2')
          entries.set(name, { offset: dataOffset, size, link: { target: link, symbolic: type === '2' } });
      }
      offset = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    }
  } finally {
    await handle.close();
  }
  return entries;
}

/** A layer's file: a link is followed once, to a regular file of the archive. */
function layerEntry(index: Map<string, TarEntry>, name: string): TarEntry {
  const entry = index.get(name);
  if (!entry?.link) {
    if (!entry) throw new Error(`no layer ${name} in the archive`);
    return entry;
  }
  const { target, symbolic } = entry.link;
  const resolved = symbolic ? path.posix.normalize(path.posix.join(path.posix.dirname(name), target)) : target;
  const found = index.get(resolved.replace(/^\.\//, ''));
  if (!found || found.link) throw new Error(`layer ${name} links to ${target}, which is not a file of the archive`);
  return found;
}

async function readEntryBytes(file: string, entry: TarEntry | undefined, what: string): Promise<Buffer> {
  if (!entry) throw new Error(`no ${what} in the archive`);
  // A link where a manifest or config is read: which file it names is the reader's choice.
  if (entry.link) throw new Error(`ambiguous entry ${what}`);
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

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function diffIdsOf(config: unknown): string[] {
  const ids = (config as { rootfs?: { diff_ids?: unknown } } | null)?.rootfs?.diff_ids;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && DIGEST.test(id)))
    throw new Error('config has no rootfs.diff_ids');
  return ids as string[];
}

/** One layer per diff ID, or the archive cannot say which bytes are which layer. */
function matched(diffIds: string[], layers: LayerPlace[]): LayerPlace[] {
  if (layers.length !== diffIds.length)
    throw new Error(`the manifest names ${layers.length} layer(s), the config ${diffIds.length}`);
  return layers;
}

async function fromDockerArchive(file: string): Promise<ImageLayers> {
  const index = await tarIndex(file);
  const manifestBytes = await readEntryBytes(file, index.get('manifest.json'), 'manifest.json');
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as unknown;
  const first = Array.isArray(manifest)
    ? (manifest[0] as { Config?: unknown; Layers?: unknown } | undefined)
    : undefined;
  const configName = first?.Config;
  if (typeof configName !== 'string') throw new Error('manifest.json names no Config');
  const layerNames = Array.isArray(first?.Layers) ? (first.Layers as unknown[]) : [];
  if (!layerNames.every((name) => typeof name === 'string')) throw new Error('manifest.json has a bad Layers list');
  const config = await readEntryBytes(file, index.get(configName), configName);
  // Docker ≥ 25 writes an OCI layout beside manifest.json: its index names the manifest's digest.
  const indexBytes = index.has('index.json')
    ? await readEntryBytes(file, index.get('index.json'), 'index.json')
    : undefined;
  const manifestDigest = indexManifest(indexBytes ? (JSON.parse(indexBytes.toString('utf8')) as unknown) : undefined);
  const diffIds = diffIdsOf(JSON.parse(config.toString('utf8')));
  const layers = (layerNames as string[]).map((name) => {
    const { offset, size } = layerEntry(index, name);
    return { file, offset, size };
  });
  return {
    diffIds,
    imageId: sha256(config),
    layers: matched(diffIds, layers),
    ...(manifestDigest ? { manifestDigest } : {}),
    namesDigest: sha256(
      Buffer.concat([Buffer.from('docker-archive\n'), manifestBytes, Buffer.from('\n'), indexBytes ?? Buffer.alloc(0)]),
    ),
  };
}

async function fromOciLayout(dir: string): Promise<ImageLayers> {
  const blobPath = (digest: unknown) => {
    if (typeof digest !== 'string' || !DIGEST.test(digest)) throw new Error(`bad digest ${String(digest)}`);
    return path.join(dir, 'blobs', 'sha256', digest.slice(7));
  };
  const blob = (digest: unknown) => readFile(blobPath(digest));
  const indexBytes = await readFile(path.join(dir, 'index.json'));
  const manifestDigest = indexManifest(JSON.parse(indexBytes.toString('utf8')));
  const manifest = JSON.parse((await blob(manifestDigest)).toString('utf8')) as {
    config?: { digest?: unknown };
    layers?: { digest?: unknown }[];
  };
  const config = await blob(manifest.config?.digest);
  const diffIds = diffIdsOf(JSON.parse(config.toString('utf8')));
  const layers = await Promise.all(
    (manifest.layers ?? []).map(async (layer) => {
      const file = blobPath(layer.digest);
      return { file, offset: 0, size: (await stat(file)).size };
    }),
  );
  return {
    diffIds,
    imageId: sha256(config),
    layers: matched(diffIds, layers),
    manifestDigest,
    namesDigest: sha256(Buffer.concat([Buffer.from('oci-layout\n'), indexBytes])),
  };
}

/** Throws when the archive's manifest or config cannot be read; the scan then tells Trivy's own reason. */
export async function readImageLayers(source: string): Promise<ImageLayers> {
  if ((await stat(source)).isDirectory()) return fromOciLayout(source);
  return fromDockerArchive(source);
}
