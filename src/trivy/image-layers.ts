import { lstat, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../core/hash.js';
import { resolveEntry, tarIndex, type TarEntry } from './tar-index.js';

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
  /**
   * The manifest's digest, where the archive has an OCI index that names it (Docker ≥ 25, OCI layouts) and the
   * manifest it names is there, hashes to it and names this config.
   */
  manifestDigest?: string;
  /**
   * sha256 of what names the image beside its config: manifest.json (RepoTags) and index.json (ref annotations),
   * with the archive's format. Trivy's report takes RepoTags from them, so the same image under another tag is not
   * the same report.
   */
  namesDigest: string;
  /** Where each layer's bytes are, in diff ID order: what is hashed to check them against their diff IDs. */
  layers: LayerPlace[];
  /** The config's bytes: written as they are into the layout Trivy scans, so the image ID stays the same. */
  config: Buffer;
  /** manifest.json's RepoTags (docker archives): Trivy's report names the image by them. */
  repoTags?: string[];
}

/** A layer's bytes: a part of a `docker save` tar, or a blob file of an OCI layout. */
export interface LayerPlace {
  file: string;
  offset: number;
  size: number;
  /** A blob file of an OCI layout: maybe compressed (gzip, zstd), and its diff ID is of what it decompresses to. */
  blob?: boolean;
}

const MAX_JSON = 16 * 1024 * 1024;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

async function readRange(file: string, entry: TarEntry, length = entry.size): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const data = Buffer.alloc(Math.min(length, entry.size));
    await handle.read(data, 0, data.length, entry.offset);
    return data;
  } finally {
    await handle.close();
  }
}

async function readEntryBytes(file: string, index: Map<string, TarEntry>, name: string): Promise<Buffer> {
  const entry = resolveEntry(index, name);
  if (entry.size > MAX_JSON) throw new Error(`${name.slice(0, 200)} is over 16 MiB`);
  return readRange(file, entry);
}

/**
 * Go's JSON decoder matches keys without regard to case (Unicode folding) and lets the last one win; JSON.parse
 * matches exactly. Keys that only Go would take for a field are refused: non-ASCII ones, and two that differ only
 * in case. `free` names objects whose keys are data (labels, annotations), not fields.
 */
function checkKeys(value: unknown, where: string, free = new Set(['annotations', 'Labels', 'LayerSources'])): void {
  if (Array.isArray(value)) {
    for (const item of value) checkKeys(item, where, free);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const seen = new Set<string>();
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    const folded = key.toLowerCase();
    if (!/^[\x20-\x7e]*$/.test(key) || seen.has(folded)) throw new Error(`${where}: key ${JSON.stringify(key)}`);
    seen.add(folded);
    if (!free.has(key)) checkKeys(member, where, free);
  }
}

function parseJson(bytes: Buffer, where: string, depth: 'all' | 'top' = 'all'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    // Not the parser's message: it quotes the file's first characters, which a link could take from anywhere.
    throw new Error(`${where} is not JSON`);
  }
  if (depth === 'all') checkKeys(value, where);
  else {
    // A config: its own fields and rootfs'; what is under `config` (Labels, Env, …) is never read here.
    checkKeys(value, where, new Set(['config', 'container_config', 'history', 'rootfs']));
    checkKeys((value as { rootfs?: unknown } | null)?.rootfs, where);
  }
  return value;
}

const sha256 = (data: Buffer) => `sha256:${sha256Hex(data)}`;

/** The one manifest an OCI index names (Trivy refuses an index of several without a tag). */
function indexManifest(index: unknown): string {
  const manifests = (index as { manifests?: { digest?: unknown }[] } | null)?.manifests;
  const digest = Array.isArray(manifests) && manifests.length === 1 ? manifests[0]?.digest : undefined;
  if (typeof digest !== 'string' || !DIGEST.test(digest)) throw new Error('index.json does not name one manifest');
  return digest;
}

function diffIdsOf(config: unknown): string[] {
  const ids = (config as { rootfs?: { diff_ids?: unknown } } | null)?.rootfs?.diff_ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && DIGEST.test(id)))
    throw new Error('config has no rootfs.diff_ids');
  return ids as string[];
}

/** One layer per diff ID, or the archive cannot say which bytes are which layer. */
function matched(diffIds: string[], layers: LayerPlace[]): LayerPlace[] {
  if (layers.length !== diffIds.length)
    throw new Error(`the manifest names ${layers.length} layer(s), the config ${diffIds.length}`);
  return layers;
}

/**
 * Docker ≥ 25 writes an OCI layout beside manifest.json: its digest is recorded only when that manifest is in the
 * archive, hashes to it and names this config (an author could write any digest into index.json).
 */
async function checkedManifestDigest(file: string, index: Map<string, TarEntry>, imageId: string) {
  if (!index.has('index.json')) return { indexBytes: undefined, manifestDigest: undefined };
  const indexBytes = await readEntryBytes(file, index, 'index.json');
  try {
    const digest = indexManifest(parseJson(indexBytes, 'index.json'));
    const manifest = await readEntryBytes(file, index, `blobs/sha256/${digest.slice(7)}`);
    const names = (parseJson(manifest, digest) as { config?: { digest?: unknown } }).config?.digest;
    return { indexBytes, manifestDigest: sha256(manifest) === digest && names === imageId ? digest : undefined };
  } catch {
    return { indexBytes, manifestDigest: undefined };
  }
}

/**
 * go-containerregistry decides from the first layer alone whether an archive's layers are compressed, and reads
 * the others the same way; `docker save` never compresses them. A compressed layer is refused here.
 */
async function uncompressedPlace(file: string, index: Map<string, TarEntry>, name: string): Promise<LayerPlace> {
  const entry = resolveEntry(index, name);
  const head = await readRange(file, entry, 4);
  if (head.subarray(0, 2).equals(GZIP) || head.equals(ZSTD)) throw new Error('the archive has compressed layers');
  return { file, offset: entry.offset, size: entry.size };
}

async function fromDockerArchive(file: string): Promise<ImageLayers> {
  const index = await tarIndex(file);
  const manifestBytes = await readEntryBytes(file, index, 'manifest.json');
  const manifest = parseJson(manifestBytes, 'manifest.json');
  // Trivy reads an archive of several images as an error: one image, or it is not read here.
  if (!Array.isArray(manifest) || manifest.length !== 1) throw new Error('manifest.json does not name one image');
  const { Config: configName, Layers: layerNames, RepoTags: tags } = manifest[0] as Record<string, unknown>;
  const repoTags = Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
  if (typeof configName !== 'string') throw new Error('manifest.json names no Config');
  if (!Array.isArray(layerNames) || !layerNames.every((name) => typeof name === 'string'))
    throw new Error('manifest.json has a bad Layers list');
  const config = await readEntryBytes(file, index, configName);
  const diffIds = diffIdsOf(parseJson(config, configName, 'top'));
  const imageId = sha256(config);
  const layers = await Promise.all(layerNames.map((name: string) => uncompressedPlace(file, index, name)));
  const { indexBytes, manifestDigest } = await checkedManifestDigest(file, index, imageId);
  return {
    diffIds,
    imageId,
    config,
    ...(repoTags.length > 0 ? { repoTags } : {}),
    layers: matched(diffIds, layers),
    ...(manifestDigest ? { manifestDigest } : {}),
    namesDigest: sha256(
      Buffer.concat([Buffer.from('docker-archive\n'), manifestBytes, Buffer.from('\n'), indexBytes ?? Buffer.alloc(0)]),
    ),
  };
}

/** An OCI layout directory: every blob a regular file, the manifest and config hashing to their names. */
async function fromOciLayout(dir: string): Promise<ImageLayers> {
  const blobPath = (digest: unknown) => {
    if (typeof digest !== 'string' || !DIGEST.test(digest))
      throw new Error(`bad digest ${String(digest).slice(0, 80)}`);
    return path.join(dir, 'blobs', 'sha256', digest.slice(7));
  };
  // Every file of the layout a regular file, not a link: what is read (and hashed) is in the layout.
  const regular = async (file: string, what: string) => {
    const info = await lstat(file);
    if (!info.isFile()) throw new Error(`${what} is not a regular file`);
    return info;
  };
  const blob = async (digest: unknown) => {
    const file = blobPath(digest);
    await regular(file, String(digest));
    const data = await readFile(file);
    if (sha256(data) !== digest) throw new Error(`blob ${String(digest)} does not hash to its name`);
    return data;
  };
  await regular(path.join(dir, 'index.json'), 'index.json');
  const indexBytes = await readFile(path.join(dir, 'index.json'));
  const manifestDigest = indexManifest(parseJson(indexBytes, 'index.json'));
  const manifest = parseJson(await blob(manifestDigest), manifestDigest) as {
    config?: { digest?: unknown };
    layers?: { digest?: unknown }[];
  };
  const config = await blob(manifest.config?.digest);
  const diffIds = diffIdsOf(parseJson(config, 'config', 'top'));
  const layers = await Promise.all(
    (Array.isArray(manifest.layers) ? manifest.layers : []).map(async (layer) => {
      const file = blobPath(layer.digest);
      // A FIFO or device would block the hash; a link could name any file the runner can read.
      const info = await regular(file, `layer ${String(layer.digest)}`);
      return { file, offset: 0, size: info.size, blob: true };
    }),
  );
  return {
    diffIds,
    imageId: sha256(config),
    config,
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
