import { writeFileSync } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { describeError, ScanError } from '../core/errors.js';
import type { LayersVerified } from '../core/finding.js';
import { sha256Hex } from '../core/hash.js';
import { rangeSha256 } from './hash-worker.js';
import type { LayerPlace } from './image-layers.js';
import { DIRTY_NOTE, layerCacheDir } from './layer-cache.js';

/**
 * Each layer of an image archive checked against the diff ID its config names, before the verdict counts.
 *
 * Why: Trivy keys its layer cache by diff ID and never re-reads a layer it finds there, and the audit record binds
 * the verdict to the image ID (its config's digest, which lists the diff IDs). So what was judged is the content
 * of those diff IDs, as first analysed. Checking a layer's bytes the first time it is analysed is what makes that
 * content the real one: an archive whose layer is not what its config says (tampered, truncated, mislabelled) is
 * not judged (a scanner error), and the layer cache, which may now hold its analysis under the wrong ID, is started
 * anew after the run. A layer checked once is not read again while the layer cache that holds its analysis lives:
 * the next push of an image on the same base reads only its new layers. Docker and containerd check the same diff
 * IDs when they load or unpack an image, so an archive that passed here is the image that runs.
 *
 * Markers live inside the layer cache's directory (they go with it: another Trivy, over the bound, a week old),
 * one namespace per Trivy version and scan flags (those decide Trivy's own cache keys, so another namespace is a
 * layer Trivy analyses again, from bytes that must be checked again).
 */
export type { LayersVerified };

export function verifiedLayersDir(cacheDir: string): string {
  return path.join(layerCacheDir(cacheDir), 'vulngate-verified-layers');
}

/** The archive's part of a check: which of its layers this run hashed from its own bytes. */
export interface Verification {
  counts: LayersVerified;
  hashedHere: Set<string>;
}

interface ArchiveLayers {
  source: string;
  diffIds: string[];
  places: LayerPlace[];
  /** Trivy's version and the scan's flags: what Trivy's layer cache keys hold besides the diff ID. */
  namespace: string;
}

export class LayerVerifier {
  /** diff ID → its check in this run (the first archive that has it hashes it; the others wait for that). */
  private readonly checks = new Map<string, Promise<'hashed' | 'kept'>>();
  /** diff ID → the archive whose bytes for it did not match (or could not be read). */
  private readonly bad = new Map<string, string>();
  /** Hashes at once: one per core, however many layers a config names. */
  private readonly limit = pLimit(Math.max(1, availableParallelism()));

  /** keptDir: where checks are kept between runs; undefined: each run checks every layer it meets once. */
  constructor(private readonly keptDir?: string) {}

  /** A layer did not match: the layer cache may hold its analysis under the wrong ID. */
  get mismatched(): boolean {
    return this.bad.size > 0;
  }

  /**
   * Before and while Trivy scans: each layer not checked before (in this run, or by an earlier one with this cache)
   * hashed from this archive. Throws ScanError naming the layer when bytes and diff ID differ.
   */
  async verify(args: ArchiveLayers): Promise<Verification> {
    const counts: LayersVerified = { hashed: 0, known: 0 };
    const hashedHere = new Set<string>();
    // Every check settles before the answer: none is still writing its marker when the run ends (and may start the
    // layer cache anew).
    const settled = await Promise.allSettled(
      args.diffIds.map(async (diffId, index) => {
        const running = this.checks.get(diffId);
        if (running) {
          // Checked (or being checked) for another archive, or twice in this one: not this archive's bytes.
          await running.catch(() => undefined);
          counts.known += 1;
          return;
        }
        const check = this.checkUnlessKept(args, diffId, index);
        this.checks.set(diffId, check);
        if ((await check) === 'kept') counts.known += 1;
        else {
          counts.hashed += 1;
          hashedHere.add(diffId);
        }
      }),
    );
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return { counts, hashedHere };
  }

  /**
   * After Trivy: every layer it analysed for this archive (rather than found in its cache) must have been hashed
   * from this archive's own bytes — a layer another archive of the run checked, or a kept check whose analysis the
   * cache no longer holds, is hashed now. `analysed` undefined: Trivy did not say, so every layer counts.
   */
  async confirm(args: ArchiveLayers, verification: Verification, analysed?: Set<string>): Promise<LayersVerified> {
    const { hashedHere } = verification;
    const counts = { ...verification.counts };
    const missing = args.diffIds
      .map((diffId, index) => ({ diffId, index }))
      .filter(({ diffId }, at) => args.diffIds.indexOf(diffId) === at && !hashedHere.has(diffId))
      .filter(({ diffId }) => analysed === undefined || analysed.has(diffId));
    const settled = await Promise.allSettled(missing.map(({ diffId, index }) => this.hash(args, diffId, index)));
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    counts.hashed += missing.length;
    counts.known -= missing.length;
    return counts;
  }

  /** Why an archive's report cannot count after all: a layer it names did not match in another archive of the run. */
  untrusted(source: string, diffIds: string[]): string | undefined {
    const index = diffIds.findIndex((diffId) => this.bad.has(diffId) && this.bad.get(diffId) !== source);
    if (index < 0) return undefined;
    return (
      `not judged: it names layer ${index + 1} (${diffIds[index]}), whose bytes did not match in ` +
      `${this.bad.get(diffIds[index] ?? '')}, and Trivy may have analysed those`
    );
  }

  /** When every check begun has settled (a scan that failed did not wait for its own). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.checks.values()]);
  }

  private markerOf(namespace: string, diffId: string): string | undefined {
    return this.keptDir ? path.join(this.keptDir, sha256Hex(namespace).slice(0, 16), diffId.slice(7)) : undefined;
  }

  /** Checked by an earlier run (a hint for the order of scans: the check itself is redone if Trivy analyses it). */
  async checkedBefore(namespace: string, diffId: string): Promise<boolean> {
    const marker = this.markerOf(namespace, diffId);
    return marker !== undefined && (await exists(marker));
  }

  private async checkUnlessKept(args: ArchiveLayers, diffId: string, index: number): Promise<'hashed' | 'kept'> {
    const marker = this.markerOf(args.namespace, diffId);
    if (marker && (await exists(marker))) return 'kept';
    await this.hash(args, diffId, index);
    if (marker) await keep(marker);
    return 'hashed';
  }

  /** This archive's bytes for one layer against its diff ID; anything but a match marks the layer bad. */
  private async hash(args: ArchiveLayers, diffId: string, index: number): Promise<void> {
    const place = args.places[index];
    const fail = (why: string) => {
      this.bad.set(diffId, args.source);
      // Said at once, beside the cache: a run that dies before its end still leaves the next run a fresh cache.
      if (this.keptDir) markDirty(path.dirname(this.keptDir));
      return new ScanError(`${args.source}: not judged: layer ${index + 1} ${why}`);
    };
    if (!place) throw fail(`(${diffId}) is not in the archive`);
    const { digest, compressed } = await this.limit(() => rangeSha256({ ...place, decompress: true })).catch(
      (err: unknown) => {
        throw fail(`(${diffId}) cannot be read: ${describeError(err)}`);
      },
    );
    if (digest !== diffId)
      throw fail(
        `is not the layer its config names (diff ID ${diffId}, its ${compressed ? 'decompressed ' : ''}bytes ` +
          `hash to ${digest})`,
      );
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** A marker that cannot be written costs the next run a hash, never this one its result. */
async function keep(marker: string): Promise<void> {
  try {
    await mkdir(path.dirname(marker), { recursive: true });
    await writeFile(marker, '');
  } catch {
    // Not kept.
  }
}

function markDirty(layerCache: string): void {
  try {
    writeFileSync(path.join(layerCache, DIRTY_NOTE), '');
  } catch {
    // The cache is started anew at the end of this run anyway.
  }
}
