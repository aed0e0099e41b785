import type { JudgedFinding } from '../../../core/finding.js';
import { splitImageName } from '../../../core/identity.js';

/** `registry/app:1.2` → `registry/app`; digests too. DefectDojo's service groups one image across tags. */
export function imageWithoutTag(image: string): string {
  return splitImageName(image).repository;
}

/**
 * The report with ArtifactName and each Result's Target naming the image instead of the tarball path, so a path
 * that changes between runs (tar_images/…, /builds/…/tar_images/…) does not make DefectDojo see new findings.
 */
export function stableReport(reportText: string, image: string): string {
  const report = JSON.parse(reportText) as { ArtifactName?: string; Results?: { Target?: string }[] };
  const artifact = report.ArtifactName ?? '';
  report.ArtifactName = image;
  for (const result of report.Results ?? []) {
    if (typeof result.Target === 'string' && artifact !== '' && result.Target.startsWith(artifact)) {
      result.Target = image + result.Target.slice(artifact.length);
    }
  }
  return JSON.stringify(report);
}

/**
 * The Trivy report with each excepted vulnerability's description starting with the exception (note, until, owner,
 * ticket), so DefectDojo's Trivy parser carries vulngate's risk acceptance into the finding.
 */
export function withExceptions(reportText: string, excepted: JudgedFinding[]): string {
  if (excepted.length === 0) return reportText;
  const notes = new Map<string, string>();
  for (const f of excepted) {
    const e = f.exception;
    if (!e) continue;
    const parts = [
      e.until && `until ${e.until}`,
      e.owner && `accepted by ${e.owner}`,
      e.ticket && `ticket ${e.ticket}`,
    ];
    const detail = parts.filter(Boolean).join(', ');
    notes.set(
      `${f.id}\u0000${f.package}\u0000${f.installedVersion}`,
      `Excepted by vulngate${detail ? ` (${detail})` : ''}: ${e.note}`,
    );
  }
  const report = JSON.parse(reportText) as { Results?: { Vulnerabilities?: Record<string, unknown>[] }[] };
  for (const result of report.Results ?? []) {
    for (const v of result.Vulnerabilities ?? []) {
      const note = notes.get(
        `${String(v.VulnerabilityID)}\u0000${String(v.PkgName)}\u0000${String(v.InstalledVersion)}`,
      );
      if (note) v.Description = `${note}\n\n${typeof v.Description === 'string' ? v.Description : ''}`;
    }
  }
  return JSON.stringify(report);
}

/** `registry/app:1.2` → `1.2`; empty for a digest or no tag. */
export function imageTag(image: string): string {
  return splitImageName(image).tag;
}
