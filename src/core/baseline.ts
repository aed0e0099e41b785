import type { Change, PreviousState } from './change.js';
import type { JudgedFinding, TargetKind } from './finding.js';

/** A finding as the baseline's audit record has it (vulngate-results.json, schemaVersion 2). */
export interface BaselineFinding extends PreviousState {
  fingerprint: string;
  image: string;
  /** The target's stable name (its image without tag), from the record's images. */
  stableName: string;
  targetKind: TargetKind;
  target: string;
  id: string;
  package: string;
  installedVersion: string;
  title: string;
  primaryUrl: string;
}

/** The last scan to compare with: an earlier run's audit record, usually the default branch's. */
export interface Baseline {
  /** Where it was read from: a path, a workflow artifact, a GitLab job. */
  source: string;
  generatedAt: string;
  /** The branch and commit it scanned, when its record says. */
  ref: string;
  commit: string;
  /** The stable names of the targets it scanned. */
  targets: string[];
  findings: BaselineFinding[];
  /** Exceptions that had already expired then, as `id origin`. */
  expiredExceptions: string[];
}

export type FailOn = 'all' | 'new';

export interface BaselineComparison {
  /** Per fingerprint of the current run. */
  changes: Map<string, { change: Change; previous?: PreviousState }>;
  /** In the baseline, on a target scanned again now, and not found any more. */
  gone: BaselineFinding[];
}

/**
 * Each finding against the baseline by its identity. A finding of the baseline is gone only when its target was
 * scanned again: a matrix job that scans other images does not make every finding of this one "gone".
 */
export function compareWithBaseline(args: {
  findings: Pick<JudgedFinding, 'fingerprint' | 'severity' | 'fixedVersion' | 'decision'>[];
  /** Stable names of the targets scanned now. */
  targets: string[];
  baseline: Baseline;
}): BaselineComparison {
  const before = new Map(args.baseline.findings.map((f) => [f.fingerprint, f]));
  const changes = new Map<string, { change: Change; previous?: PreviousState }>();
  for (const f of args.findings) {
    const old = before.get(f.fingerprint);
    if (!old) {
      changes.set(f.fingerprint, { change: 'new' });
      continue;
    }
    const same = old.severity === f.severity && old.fixedVersion === f.fixedVersion && old.decision === f.decision;
    changes.set(
      f.fingerprint,
      same
        ? { change: 'unchanged' }
        : {
            change: 'changed',
            previous: { severity: old.severity, fixedVersion: old.fixedVersion, decision: old.decision },
          },
    );
  }
  const scanned = new Set(args.targets);
  const gone = args.baseline.findings.filter((f) => !changes.has(f.fingerprint) && scanned.has(f.stableName));
  return { changes, gone };
}

/**
 * The findings that decide the verdict. `all`: every blocking finding. `new` (the pull-request mode): only what the
 * change brings in — a blocking finding that is new, or that became blocking since the baseline.
 */
export function gatingFindings<T extends Pick<JudgedFinding, 'decision' | 'change' | 'previous'>>(
  findings: T[],
  failOn: FailOn,
): T[] {
  const blocking = findings.filter((f) => f.decision === 'blocking');
  if (failOn === 'all') return blocking;
  return blocking.filter((f) => f.change !== 'unchanged' && f.previous?.decision !== 'blocking');
}
