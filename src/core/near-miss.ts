import { codeFilePath, type Finding } from './finding.js';
import type { ExceptionRule } from './profile.js';

/** The conditions of an exception besides its id. */
export type MissPart = 'package' | 'severity' | 'images' | 'paths';

/** What an exception met while findings were judged: how close it came, and what the findings had instead. */
export interface NearMiss {
  /** Findings with its id, whatever their decision. */
  idMatches: number;
  /** Of those, the ones that needed an exception (they would block otherwise). */
  needed: number;
  /** Per failed condition: how many findings failed it, and the first value they had instead. */
  misses: Partial<Record<MissPart, { count: number; seen: string }>>;
  /** Every condition held, but an earlier exception excepted the finding first. */
  shadowedBy?: string;
}

export function emptyNearMiss(): NearMiss {
  return { idMatches: 0, needed: 0, misses: {} };
}

export function noteMiss(nearMiss: NearMiss, part: MissPart, finding: Finding): void {
  const seen = {
    package: finding.sourcePackage ? `${finding.package} (source ${finding.sourcePackage})` : finding.package,
    severity: finding.severity,
    images: finding.image,
    paths: finding.targetKind === 'fs' ? codeFilePath(finding.image, finding.target) : finding.target,
  }[part];
  const entry = nearMiss.misses[part];
  if (entry) entry.count += 1;
  else nearMiss.misses[part] = { count: 1, seen };
}

const PLURAL = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One sentence: why an exception excepted nothing ("the id matched 2 findings; `images` did not: …"). */
export function whyUnused(rule: ExceptionRule, nearMiss: NearMiss): string {
  if (nearMiss.idMatches === 0) return `no finding has the id ${rule.id}`;
  const matched = `the id matched ${PLURAL(nearMiss.idMatches, 'finding')}`;
  if (nearMiss.needed === 0) {
    return `${matched}, none of which needed an exception (below the threshold, unfixed and ignored, or VEX)`;
  }
  // It held on some finding, but an earlier exception got there first: that is the reason, whatever else missed.
  if (nearMiss.shadowedBy) return `${matched}; ${nearMiss.shadowedBy} excepted them first`;
  const parts: string[] = [];
  const { misses } = nearMiss;
  if (misses.package) parts.push(`\`package\` ${rule.package} did not (the findings are in ${misses.package.seen})`);
  if (misses.severity) {
    parts.push(`capped at ${rule.severity ?? ''}, the finding is ${misses.severity.seen}`);
  }
  if (misses.images) {
    parts.push(`\`images\` ${(rule.images ?? []).join(', ')} did not (the finding is in ${misses.images.seen})`);
  }
  if (misses.paths) {
    parts.push(
      `\`paths\` ${(rule.paths ?? []).join(', ')} did not (matched from the repository root: ${misses.paths.seen})`,
    );
  }
  return [matched, ...parts].join('; ');
}
