/** What one receiver made of a run: one shape for all of them (the spooling receivers and GitHub's). */
export interface DeliveryOutcome {
  /** The receiver's name: sqs, defectdojo, slack, issues, code-scanning, artifact, pr-comment. */
  receiver: string;
  /** `skipped`: not configured or not possible here (a fork, no token), said in `message`. */
  status: 'delivered' | 'skipped' | 'failed';
  /** One line for the log. */
  message: string;
  /** Where a person sees what was delivered (comment, artifact, code-scanning view). */
  url?: string;
  /** The spool file keeping what was not delivered, to send again with `vulngate forward`. */
  spooled?: string;
}
