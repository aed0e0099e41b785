import { sha256Hex } from './hash.js';
import type { Finding, TargetKind } from './finding.js';

/** `registry:5000/app:1.2@sha256:…` → repository `registry:5000/app`, tag `1.2` (empty without one). */
export function splitImageName(image: string): { repository: string; tag: string } {
  const noDigest = image.split('@')[0] ?? image;
  const colon = noDigest.lastIndexOf(':');
  if (colon <= noDigest.lastIndexOf('/')) return { repository: noDigest, tag: '' };
  return { repository: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
}

/** What decides a target's identity: its name, its kind, and the file it was read from (tarball, report). */
export interface IdentitySource {
  image: string;
  kind: TargetKind;
  /** The tarball, OCI layout or report it was read from, as given; fs and SBOM targets are named by it already. */
  source?: string;
  /** A registry image's platform other than linux/amd64 (`linux/arm64`). */
  variant?: string;
}

/** An identity the user set for the targets whose file or name matches `pattern` (a glob; `target-identity`). */
export interface IdentityRule {
  pattern: string;
  identity: string;
}

/**
 * The name a target keeps from run to run, whatever else the run scanned:
 * - an image: its repository (without tag or digest: CI tags each push with its commit), plus the name of the file
 *   it was saved to when that is not the repository's own last name — `shop/api` from `api.tar`,
 *   `org/app#web` for `org/app:web` saved as `web.tar` — so several images of one repository (`org/app:api`,
 *   `org/app:web`) stay apart, and a moved tarball or a new tag keeps its identity;
 * - a directory or SBOM: its path from the repository root.
 */
export function stableName(target: IdentitySource): string {
  if (target.kind !== 'image') return target.image;
  // `shop/app:1 (b/app.tar)`: the name a second tarball of one tag got in the run (app/collect.ts) is still shop/app.
  const { repository } = splitImageName(target.image.replace(/ \([^()]*\)$/, ''));
  // linux/amd64 keeps the plain name, so scanning every platform later continues its history.
  if (target.variant) return `${repository}#${target.variant}`;
  const file = target.source ? fileStem(target.source) : '';
  const last = repository.split('/').pop() ?? repository;
  return file === '' || file === last || file === repository ? repository : `${repository}#${file}`;
}

/**
 * Each target's identity in a run: the user's (`target-identity`) where a rule matches its file or name, else
 * stableName. Two targets that would still share one (the same file name in two directories, for one repository)
 * keep their file's path, so their findings never merge; that is the one case where the run decides, and
 * `target-identity` settles it.
 */
export function stableNames(
  targets: IdentitySource[],
  matchRule: (target: IdentitySource) => string | undefined = () => undefined,
): string[] {
  const names = targets.map((t) => matchRule(t) ?? stableName(t));
  const count = new Map<string, number>();
  for (const name of names) count.set(name, (count.get(name) ?? 0) + 1);
  return names.map((name, i) => {
    const target = targets[i];
    if ((count.get(name) ?? 0) <= 1) return name;
    // Without a file to tell them apart (reports given as data), the full name with its tag does.
    if (!target?.source) return target?.image ?? name;
    return `${name}#${target.source
      .replace(/\\/g, '/')
      .replace(/^\.\//, '')
      .replace(/\.[^./]*$/, '')}`;
  });
}

/**
 * The identities of schemaVersion 2 records (vulngate ≤ 0.1.0): the repository, unless two tags of one repository
 * were in the same run, then the full names. Kept to read those records as baselines and find their artifacts.
 */
export function legacyStableNames(targets: IdentitySource[]): string[] {
  const names = targets.map((t) => (t.kind === 'image' ? splitImageName(t.image).repository : t.image));
  const count = new Map<string, number>();
  for (const name of names) count.set(name, (count.get(name) ?? 0) + 1);
  return names.map((name, i) => ((count.get(name) ?? 0) > 1 ? (targets[i]?.image ?? name) : name));
}

/** `tar_images/api.tar` → `api`; `reports/web.tar.gz` → `web`. */
function fileStem(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  const stem = base.replace(/\.(tar\.gz|tgz|tar|json|oci|cdx\.json|spdx\.json)$/i, '');
  return stem === '' ? base : stem;
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
