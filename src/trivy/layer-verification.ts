import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError, ScanError } from '../core/errors.js';
import type { LayersVerified } from '../core/finding.js';
import { sha256Hex } from '../core/hash.js';
import { rangeSha256 } from './hash-worker.js';
import type { LayerPlace } from './image-layers.js';
import { layerCacheDir } from './layer-cache.js';

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

export class LayerVerifier {
  /** diff ID → its check in this run (the first archive that has it hashes it; the others wait for that). */
  private readonly checks = new Map<string, Promise<'hashed' | 'kept'>>();
  /** A layer did not match: the layer cache may hold its analysis under the wrong ID. */
  mismatched = false;

  /** keptDir: where checks are kept between runs; undefined: each run checks every layer it meets once. */
  constructor(private readonly keptDir?: string) {}

  /** Resolves with the counts; throws ScanError naming the layer when bytes and diff ID differ. */
  async verify(args: {
    source: string;
    diffIds: string[];
    places: LayerPlace[];
    /** Trivy's version and the scan's flags: what Trivy's layer cache keys hold besides the diff ID. */
    namespace: string;
  }): Promise<LayersVerified> {
    const counts: LayersVerified = { hashed: 0, known: 0 };
    // Every check settles before the answer: none is still writing its marker when the run ends (and may start the
    // layer cache anew).
    const settled = await Promise.allSettled(
      args.diffIds.map(async (diffId, index) => {
        const running = this.checks.get(diffId);
        if (running) {
          // Checked (or being checked) for another archive, or twice in this one.
          const done = await running.catch(() => undefined);
          if (done === undefined)
            throw new ScanError(
              `${args.source}: not judged: it shares layer ${index + 1} (${diffId}) with an archive whose bytes ` +
                'for it did not match, and Trivy may have analysed those',
            );
          counts.known += 1;
          return;
        }
        const check = this.checkUnlessKept(args, diffId, index);
        this.checks.set(diffId, check);
        counts[(await check) === 'hashed' ? 'hashed' : 'known'] += 1;
      }),
    );
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return counts;
  }

  /** When every check begun has settled (a scan that failed did not wait for its own). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.checks.values()]);
  }

  private markerOf(namespace: string, diffId: string): string | undefined {
    return this.keptDir ? path.join(this.keptDir, sha256Hex(namespace).slice(0, 16), diffId.slice(7)) : undefined;
  }

  /** Checked by an earlier run: Trivy's layer cache, which lives as long as the marker, holds its analysis. */
  async checkedBefore(namespace: string, diffId: string): Promise<boolean> {
    const marker = this.markerOf(namespace, diffId);
    return marker !== undefined && (await exists(marker));
  }

  private async checkUnlessKept(
    args: { source: string; places: LayerPlace[]; namespace: string },
    diffId: string,
    index: number,
  ): Promise<'hashed' | 'kept'> {
    const marker = this.markerOf(args.namespace, diffId);
    if (marker && (await exists(marker))) return 'kept';
    const place = args.places[index];
    if (!place) throw new ScanError(`${args.source}: layer ${index + 1} (${diffId}) is not in the archive`);
    const { digest, compressed } = await rangeSha256({ ...place, decompress: true }).catch((err: unknown) => {
      throw new ScanError(`${args.source}: layer ${index + 1} (${diffId}) cannot be read: ${describeError(err)}`);
    });
    if (digest !== diffId) {
      this.mismatched = true;
      throw new ScanError(
        `${args.source}: not judged: layer ${index + 1} is not the layer its config names ` +
          `(diff ID ${diffId}, its ${compressed ? 'decompressed ' : ''}bytes hash to ${digest})`,
      );
    }
    if (marker) await keep(marker);
    return 'hashed';
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
