import { copyFile, link, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../core/hash.js';
import type { LayerFile } from './layer-verification.js';
import { relocateReport } from './result-cache.js';

/**
 * What Trivy scans for an image archive: an OCI image layout written by vulngate — the archive's config byte for
 * byte (so the image ID is the same), a manifest naming each layer uncompressed by its diff ID, and the store's
 * checked copies of the layers, hard-linked. Trivy reads each file once, where a `docker save` tar is read from its
 * start again for every entry it looks up (a 200 MB base costs each image's scan 0.1–0.2 s that way, cached or not),
 * and it never reads the author's archive, so no difference between two tar readers can put other bytes under a
 * diff ID. A layer checked by an earlier run is left out: Trivy finds it in its cache.
 */
export async function writeImageView(args: { dir: string; config: Buffer; layers: LayerFile[] }): Promise<void> {
  const blobs = path.join(args.dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const configHex = sha256Hex(args.config);
  await writeFile(path.join(blobs, configHex), args.config);
  for (const layer of args.layers) {
    if (!('file' in layer)) continue;
    const target = path.join(blobs, layer.diffId.slice(7));
    // A hard link to the store's copy (go-containerregistry refuses a symlinked blob); the same layer twice in one
    // image is one blob; a copy only where the store's file is on another file system.
    await link(layer.file, target).catch(async (err: unknown) => {
      const { code } = err as { code?: string };
      if (code === 'EXDEV') await copyFile(layer.file, target);
      else if (code !== 'EEXIST') throw err;
    });
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${configHex}`,
        size: args.config.length,
      },
      layers: args.layers.map((layer) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: layer.diffId,
        size: layer.size,
      })),
    }),
  );
  const manifestHex = sha256Hex(manifest);
  await writeFile(path.join(blobs, manifestHex), manifest);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${manifestHex}`,
        size: manifest.length,
      },
    ],
  };
  await writeFile(path.join(args.dir, 'index.json'), JSON.stringify(index));
  await writeFile(path.join(args.dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
}

/**
 * The report of a view as Trivy writes it for the archive itself: named after the archive's path, with the tags
 * its manifest.json gives (Trivy reads RepoTags from there, and names the image by the first).
 */
export function reportAsArchive(text: string, args: { artifactName: string; repoTags?: string[] }): string {
  const relocated = relocateReport(text, args.artifactName);
  if (!args.repoTags || args.repoTags.length === 0) return relocated;
  const report = JSON.parse(relocated) as { Metadata?: Record<string, unknown> };
  report.Metadata = { ...(report.Metadata ?? {}), RepoTags: args.repoTags, Reference: args.repoTags[0] };
  return `${JSON.stringify(report, null, 2)}\n`;
}
