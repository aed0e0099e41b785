import { describeError } from '../core/errors.js';
import type { ImageEvidence, LayersVerified } from '../core/finding.js';
import type { Logger } from '../core/logger.js';
import { readImageLayers, type ImageLayers } from '../trivy/image-layers.js';
import type { ScannedContent } from '../trivy/result-cache.js';
import type { RemoteImage, ScanTarget } from '../trivy/scanner.js';

/**
 * The report's digests completed from the archive itself: config digest, manifest digest, how its layers were
 * checked against their diff IDs, and the tarball's sha256 where asked for.
 */
export function imageEvidence(
  archive: ImageLayers | undefined,
  fromReport: ImageEvidence | undefined,
  checked: { tarballSha256?: string; layersVerified?: LayersVerified },
): ImageEvidence {
  const { tarballSha256, layersVerified } = checked;
  return {
    ...((archive?.imageId ?? fromReport?.imageId) ? { imageId: archive?.imageId ?? fromReport?.imageId } : {}),
    ...(archive?.manifestDigest ? { manifestDigest: archive.manifestDigest } : {}),
    repoDigests: fromReport?.repoDigests ?? [],
    diffIds: archive?.diffIds ?? fromReport?.diffIds ?? [],
    ...(layersVerified ? { layersVerified } : {}),
    ...(tarballSha256 ? { tarballSha256 } : {}),
  };
}

/**
 * An archive whose manifest cannot be read here (compressed, an entry twice, ...) is still given to Trivy, which says
 * what is wrong with it or scans it: with a cache of its own, since its layers cannot be checked.
 */
export function readArchive(file: string, logger: Logger): Promise<ImageLayers | undefined> {
  return readImageLayers(file).catch((err: unknown) => {
    logger.info(`${file}: its layers cannot be checked (${describeError(err)}); scanned with a cache of its own`);
    return undefined;
  });
}

/** What an image is before it is scanned: its config and layers, or the digest a registry tag was pinned to. */
export function contentOf(target: ScanTarget, archive: ImageLayers | undefined): ScannedContent | undefined {
  if (archive) {
    return { kind: 'archive', imageId: archive.imageId, diffIds: archive.diffIds, namesDigest: archive.namesDigest };
  }
  if (target.remote?.source === 'registry' && target.remote.manifestDigest) {
    return {
      kind: 'registry',
      reference: target.path,
      ...(target.remote.platform ? { platform: target.remote.platform } : {}),
    };
  }
  return undefined;
}

/** What Trivy's report says of a pulled image, with what the registry lookup pinned: digests and platform. */
export function remoteEvidence(remote: RemoteImage, fromReport: ImageEvidence | undefined): ImageEvidence {
  const platform = remote.platform ?? fromReport?.platform;
  return {
    ...(fromReport?.imageId ? { imageId: fromReport.imageId } : {}),
    reference: remote.reference,
    ...(remote.manifestDigest ? { manifestDigest: remote.manifestDigest } : {}),
    ...(remote.indexDigest ? { indexDigest: remote.indexDigest } : {}),
    ...(platform ? { platform } : {}),
    repoDigests: fromReport?.repoDigests ?? [],
    diffIds: fromReport?.diffIds ?? [],
  };
}
