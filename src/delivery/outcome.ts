/** Every receiver, and what each run or replay tells about it. */
export type SinkName = 'sqs' | 'defectdojo' | 'slack' | 'issues' | 'code-scanning' | 'artifact' | 'pr-comment';

/** What one receiver made of a run: one shape for all of them. */
export interface DeliveryOutcome {
  sink: SinkName;
  /** `skipped`: not configured or not possible here (a fork, no token), said in `message`. */
  status: 'delivered' | 'skipped' | 'failed';
  /** One line for the log. */
  message: string;
  /** Where a person sees what was delivered (comment, artifact, code-scanning view). */
  url?: string;
  /** The spool file keeping what was not delivered, to send again with `vulngate forward`. */
  spooled?: string;
}

/** The receivers whose failure `forward-failure: fail` turns into exit code 4: they keep what failed in the spool. */
export const FORWARD_SINKS: readonly SinkName[] = ['sqs', 'defectdojo', 'slack', 'issues'];

export function forwardingFailed(outcomes: DeliveryOutcome[]): boolean {
  return outcomes.some((o) => FORWARD_SINKS.includes(o.sink) && o.status === 'failed');
}
