import { createHash } from 'node:crypto';
import type { Finding } from './finding.js';

/**
 * The one identity of a finding: image, target, package, installed version and id — one package at two versions
 * (rand_core 0.3.1 and 0.4.0 under one RUSTSEC id) is two findings. SARIF fingerprints, GitLab ids, SQS keys and the
 * PR comment's state all derive from it, so a finding is the same finding in every output and across runs.
 */
export function findingFingerprint(
  f: Pick<Finding, 'image' | 'target' | 'package' | 'installedVersion' | 'id'>,
): string {
  const key = [f.image, f.target, f.package, f.installedVersion, f.id].join('\u0000');
  return createHash('sha256').update(key).digest('hex');
}

/** A fingerprint shaped as a UUID, for receivers that want one (GitLab). */
export function fingerprintUuid(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
