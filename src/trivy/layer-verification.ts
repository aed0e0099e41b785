import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, statfs, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { describeError, ScanError } from '../core/errors.js';
import type { LayersVerified } from '../core/finding.js';
import { sha256Hex } from '../core/hash.js';
import { rangeSha256 } from './hash-worker.js';
import type { LayerPlace } from './image-layers.js';
import { layerCacheDir } from './layer-cache.js';

/**
 * The bytes Trivy reads for an image archive are bytes vulngate checked against their diff IDs.
 *
 * Why: Trivy keys its layer cache by diff ID and never reads a layer again that it finds there; the audit record
 * binds the verdict to the image ID (the config's digest, which lists the diff IDs). So whatever Trivy analyses
 * under a diff ID must be that diff ID's content. Each layer is copied once per run out of the archive into a store
 * (decompressed where an OCI layout's layer is gzip or zstd, as diff IDs are defined), hashed in the same read, and
 * kept only when it matches; Trivy scans an OCI layout of the store's files (see image-view.ts), never the author's
 * archive. A layer that does not match never reaches Trivy: the archive is not judged, and nothing entered the cache.
 *
 * A layer checked by an earlier run with the same layer cache is left out of the layout: Trivy finds its analysis
 * in its cache and never opens it (if the cache lost it, Trivy fails on the missing file and the scan is done again
 * with every layer in). Those checks are kept beside the layer cache (they go with it), one namespace per Trivy
 * version and scan flags, which make Trivy's own cache keys.
 */
export interface ArchiveLayers {
  source: string;
  diffIds: string[];
  places: LayerPlace[];
  /** Trivy's version and the scan's flags. */
  namespace: string;
}

/** A layer of an archive as the layout holds it: a store file, or left out (checked before, in Trivy's cache). */
export type LayerFile = { diffId: string; file: string; size: number } | { diffId: string; size: number };

/** A compressed layer decompresses to at most this many times its size (text compresses ~5–10 ×), and 32 GiB. */
const MAX_RATIO = 50;
const MAX_LAYER_BYTES = 32 * 1024 ** 3;

export function verifiedLayersDir(cacheDir: string): string {
  return path.join(layerCacheDir(cacheDir), 'vulngate-verified-layers');
}

export class LayerStore {
  /** diff ID → its checked copy in this run (the first archive that has it copies it; the others link it). */
  private readonly stored = new Map<string, Promise<{ file: string; size: number }>>();
  /** Copies at once: one per core, however many layers a config names. */
  private readonly limit = pLimit(Math.max(1, availableParallelism()));

  /** Bytes of copies still allowed in memory (tmpfs), if there is one. */
  private memoryLeft: number;

  /**
   * dir: this run's store and layouts; keptDir: where checks are kept between runs (undefined: none are); memory:
   * a tmpfs directory for copies, within a budget (writing a new file to disk costs this machine's 2 cores ~3 times
   * what tmpfs does; a copy that does not fit goes to `dir`).
   */
  constructor(
    private readonly dir: string,
    private readonly keptDir?: string,
    private readonly memory?: { dir: string; bytes: number },
  ) {
    this.memoryLeft = memory?.bytes ?? 0;
  }

  /** A store in the temp dir, with /dev/shm for copies where it is a writable tmpfs with room. */
  static async create(keptDir?: string): Promise<LayerStore> {
    await Promise.all([tmpdir(), '/dev/shm'].map(removeStale));
    const dir = await mkdtemp(path.join(tmpdir(), 'vulngate-layers-'));
    const store = new LayerStore(dir, keptDir, await memoryStore());
    store.removeOnSignal();
    return store;
  }

  /** A cancelled job (SIGTERM, SIGINT) leaves no copies: removed, then the signal does what it would have done. */
  private removeOnSignal(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const dir of [this.dir, this.memory?.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
      this.offSignal();
      process.kill(process.pid, signal);
    };
    for (const signal of SIGNALS) process.on(signal, onSignal);
    this.offSignal = () => {
      for (const signal of SIGNALS) process.removeListener(signal, onSignal);
    };
  }

  private offSignal: () => void = () => undefined;

  /** Each layer's file for the layout; `leaveOutKept`: layers checked by an earlier run are left out. */
  async layers(args: ArchiveLayers, leaveOutKept: boolean): Promise<{ files: LayerFile[]; counts: LayersVerified }> {
    const counts: LayersVerified = { hashed: 0, known: 0 };
    const files = await Promise.all(
      args.diffIds.map(async (diffId, index): Promise<LayerFile> => {
        const running = this.stored.get(diffId);
        if (!running && leaveOutKept) {
          const size = await this.keptSize(args.namespace, diffId);
          if (size !== undefined) {
            counts.known += 1;
            return { diffId, size };
          }
        }
        const earlier = await running?.catch(() => undefined);
        if (earlier) {
          counts.known += 1;
          return { diffId, ...earlier };
        }
        // Not stored yet, or another archive's copy did not match: this archive's own bytes are checked.
        const copy = this.copy(args, diffId, index);
        this.stored.set(diffId, copy);
        counts.hashed += 1;
        return { diffId, ...(await copy) };
      }),
    );
    return { files, counts };
  }

  /**
   * After Trivy scanned a layout: its layers are checked and in Trivy's cache, so the next run may leave them out.
   * (Kept only then: a layer checked for an image that Trivy never scanned is not in its cache.)
   */
  async remember(namespace: string, files: LayerFile[]): Promise<void> {
    await Promise.all(
      files.map(async (layer) => {
        const marker = 'file' in layer ? this.marker(namespace, layer.diffId) : undefined;
        if (marker) await keep(marker, layer.size);
      }),
    );
  }

  /** Checked by an earlier run: a hint for the order of scans too (its image need not wait for another). */
  async checkedBefore(namespace: string, diffId: string): Promise<boolean> {
    return (await this.keptSize(namespace, diffId)) !== undefined;
  }

  /** Where a layout of these layers is written: beside their copies, since its blobs are hard links to them. */
  viewsDirFor(files: LayerFile[]): string {
    const { memory } = this;
    const inMemory = memory && files.every((f) => !('file' in f) || f.file.startsWith(`${memory.dir}${path.sep}`));
    return path.join(inMemory ? memory.dir : this.dir, 'views');
  }

  async close(): Promise<void> {
    this.offSignal();
    await Promise.allSettled([...this.stored.values()]);
    await rm(this.dir, { recursive: true, force: true });
    if (this.memory) await rm(this.memory.dir, { recursive: true, force: true });
  }

  /** Where a copy of about `bytes` goes: memory while the budget lasts, else the temp dir. */
  private placeFor(bytes: number): string {
    if (!this.memory || bytes > this.memoryLeft) return this.dir;
    this.memoryLeft -= bytes;
    return this.memory.dir;
  }

  private marker(namespace: string, diffId: string): string | undefined {
    return this.keptDir ? path.join(this.keptDir, sha256Hex(namespace).slice(0, 16), diffId.slice(7)) : undefined;
  }

  /** The kept check's uncompressed size (what the layout's manifest says), or undefined. */
  private async keptSize(namespace: string, diffId: string): Promise<number | undefined> {
    const marker = this.marker(namespace, diffId);
    if (!marker) return undefined;
    const text = await readFile(marker, 'utf8').catch(() => '');
    return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
  }

  /** This archive's bytes for one layer, copied and hashed in one read; kept only when they are its diff ID. */
  private async copy(args: ArchiveLayers, diffId: string, index: number): Promise<{ file: string; size: number }> {
    const place = args.places[index];
    const fail = (why: string) => new ScanError(`${args.source}: not judged: layer ${index + 1} ${why}`);
    if (!place) throw fail(`(${diffId}) is not in the archive`);
    // An OCI blob may be compressed: decompressed, within a bound (a gzip of zeros is a bomb); a docker archive's
    // layer is never compressed (image-layers.ts refuses those), so its copy is its size.
    const { blob = false, ...range } = place;
    const maxBytes = blob ? Math.min(place.size * MAX_RATIO + 64 * 1048576, MAX_LAYER_BYTES) : place.size;
    const dir = this.placeFor(blob ? Math.min(place.size * 4, maxBytes) : place.size);
    await mkdir(dir, { recursive: true });
    const partial = path.join(dir, `${randomUUID()}.partial`);
    try {
      const { digest, compressed, size } = await this.limit(() =>
        rangeSha256({ ...range, decompress: blob, copyTo: partial, maxBytes }),
      ).catch((err: unknown) => {
        throw fail(`(${diffId}) cannot be read: ${describeError(err)}`);
      });
      if (digest !== diffId)
        throw fail(
          `is not the layer its config names (diff ID ${diffId}, its ${compressed ? 'decompressed ' : ''}bytes ` +
            `hash to ${digest})`,
        );
      const file = path.join(dir, diffId.slice(7));
      await rename(partial, file);
      return { file, size };
    } finally {
      await rm(partial, { force: true });
    }
  }
}

/** A marker that cannot be written costs the next run a copy, never this one its result. */
async function keep(marker: string, size: number): Promise<void> {
  try {
    await mkdir(path.dirname(marker), { recursive: true });
    await writeFile(marker, String(size));
  } catch {
    // Not kept.
  }
}

/** Stores of runs that were killed before their end (a cancelled job): older than a day, and this user's. */
async function removeStale(parent: string): Promise<void> {
  const names = await readdir(parent).catch(() => [] as string[]);
  const uid = process.getuid?.();
  await Promise.all(
    names
      .filter((name) => name.startsWith('vulngate-layers-'))
      .map(async (name) => {
        const dir = path.join(parent, name);
        const info = await lstat(dir).catch(() => undefined);
        if (!info?.isDirectory() || (uid !== undefined && info.uid !== uid)) return;
        if (Date.now() - info.mtimeMs > 86_400_000)
          await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      }),
  );
}

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** tmpfs pages count against a container's memory limit: a quarter of the limit (or of the machine), if it fits. */
async function memoryStore(): Promise<{ dir: string; bytes: number } | undefined> {
  try {
    const shm = await statfs('/dev/shm');
    const limit = process.constrainedMemory?.() || totalmem();
    const room = Math.min(shm.bavail * shm.bsize - 512 * 1048576, Math.min(limit, totalmem()) / 4);
    return room > 0 ? { dir: await mkdtemp('/dev/shm/vulngate-layers-'), bytes: room } : undefined;
  } catch {
    return undefined;
  }
}
