import { sha256Hex } from './hash.js';
import type { Finding, TargetKind } from './finding.js';

/** `registry:5000/app:1.2@sha256:…` → repository `registry:5000/app`, tag `1.2` (empty without one). */
export function splitImageName(image: string): { repository: string; tag: string } {
  const noDigest = image.split('@')[0] ?? image;
  const colon = noDigest.lastIndexOf(':');
  if (colon <= noDigest.lastIndexOf('/')) return { repository: noDigest, tag: '' };
  return { repository: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
}

/**
 * The name a target keeps from run to run: an image without its tag or digest (CI tags images with the commit, so a
 * tag names one push, not the service); a directory or SBOM as it is.
 */
export function stableName(name: string, kind: TargetKind): string {
  return kind === 'image' ? splitImageName(name).repository : name;
}

/**
 * Each target's stable name in a run; where two targets of the run would share one (shop/api:1 and shop/api:2
 * scanned together), those keep their full names, so their findings stay apart.
 */
export function stableNames(targets: { image: string; kind: TargetKind }[]): string[] {
  const names = targets.map((t) => stableName(t.image, t.kind));
  const count = new Map<string, number>();
  for (const name of names) count.set(name, (count.get(name) ?? 0) + 1);
  return names.map((name, i) => ((count.get(name) ?? 0) > 1 ? (targets[i]?.image ?? name) : name));
}

/**
 * Trivy names an image's OS packages after the file it was given (`tar_images/api.tar (debian 12.11)`): without it,
 * the target is the same whichever path the tarball had on the runner.
 */
export function targetWithoutArtifact(target: string, artifactName: string): string {
  if (artifactName === '' || !target.startsWith(artifactName)) return target;
  return target.slice(artifactName.length).trim();
}

export interface IdentityParts extends Pick<Finding, 'package' | 'installedVersion' | 'id'> {
  /** The target's stable name (stableNames). */
  name: string;
  /** Trivy's target without the scanned file's path (targetWithoutArtifact). */
  target: string;
}

/**
 * The one identity of a finding: the target's stable name, the target in it, package, installed version and id —
 * one package at two versions (rand_core 0.3.1 and 0.4.0 under one RUSTSEC id) is two findings. Neither the image
 * tag nor the tarball path is part of it, so a finding is the same finding on the next push, in every output
 * (SARIF fingerprints, GitLab ids, SQS keys, the PR comment's state) and against the baseline.
 */
export function findingFingerprint(parts: IdentityParts): string {
  const key = [parts.name, parts.target, parts.package, parts.installedVersion, parts.id].join('\u0000');
  return sha256Hex(key);
}

/** A fingerprint shaped as a UUID, for receivers that want one (GitLab). */
export function fingerprintUuid(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
