import { createHash } from 'node:crypto';
import type { Finding } from './finding.js';

/**
 * The one identity of a finding: image, target, package and id. SARIF fingerprints, GitLab ids, SQS keys and the
 * PR comment's state all derive from it, so a finding is the same finding in every output and across runs.
 */
export function findingFingerprint(f: Pick<Finding, 'image' | 'target' | 'package' | 'id'>): string {
  return createHash('sha256').update(`${f.image}\u0000${f.target}\u0000${f.package}\u0000${f.id}`).digest('hex');
}

/** A fingerprint shaped as a UUID, for receivers that want one (GitLab). */
export function fingerprintUuid(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
