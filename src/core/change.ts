import type { Decision } from './decision.js';
import type { Severity } from './severity.js';

/** What a finding is compared with the baseline: new, the same, or changed (severity, fix or decision). */
export type Change = 'new' | 'unchanged' | 'changed';

/** What a changed finding was in the baseline. */
export interface PreviousState {
  severity: Severity;
  fixedVersion: string;
  decision: Decision;
}
