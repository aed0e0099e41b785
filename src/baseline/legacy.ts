import { findingFingerprint, stableNames, type IdentitySource } from '../core/identity.js';
import { TARGET_KINDS, type TargetKind } from '../core/finding.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * A schemaVersion 2 record in this version's identities, in place: each image's identity from its name and the file
 * its report was named after (`reports/001-alpine-39.json` ← alpine-39.tar), and each finding's fingerprint
 * computed again from its fields. A finding whose target named the scanned file (`tar_images/api.tar (debian 12)`)
 * loses the file, as identity always did. So the first run after an upgrade compares with the last one, instead of
 * counting every finding as new.
 */
export function mapLegacyRecord(raw: { images: unknown[]; findings: unknown[] }): void {
  const images = raw.images.filter(isObject);
  const sources: IdentitySource[] = images.map((image) => ({
    image: str(image.name),
    kind: TARGET_KINDS.find((k) => k === image.kind) ?? ('image' as TargetKind),
    ...(reportSource(str(image.report)) ? { source: reportSource(str(image.report)) } : {}),
  }));
  const names = stableNames(sources);
  const identityOf = new Map<string, string>();
  images.forEach((image, i) => {
    const name = names[i] ?? str(image.name);
    identityOf.set(str(image.name), name);
    image.stableName = name;
  });
  for (const finding of raw.findings.filter(isObject)) {
    const image = str(finding.image);
    const kind = TARGET_KINDS.find((k) => k === finding.targetKind) ?? 'image';
    finding.fingerprint = findingFingerprint({
      name: identityOf.get(image) ?? image,
      target: kind === 'image' ? withoutScannedFile(str(finding.target)) : str(finding.target),
      package: str(finding.package),
      installedVersion: str(finding.installedVersion),
      id: str(finding.id),
    });
  }
}

/** `reports/001-alpine-39.json` → `alpine-39.json`: the file the scan was named after, for its stem. */
function reportSource(report: string): string | undefined {
  const base = report.split(/[\\/]/).pop() ?? '';
  const match = /^\d{3}-(.+)$/.exec(base);
  return match?.[1];
}

/** `tar_images/api.tar (debian 12.11)` → `(debian 12.11)`: Trivy's OS target without the file it was given. */
function withoutScannedFile(target: string): string {
  const match = /^(.+) (\([^()]+\))$/.exec(target);
  return match?.[2] ?? target;
}
