import { ExitCode, describeError, isGateError } from '../core/errors.js';
import { logLine } from '../core/text.js';

/** A bad flag or variable: one line on stderr, the error's exit code; anything else is a bug to report. */
export function failedBeforeRun(stderr: NodeJS.WritableStream, err: unknown): number {
  if (isGateError(err)) {
    stderr.write(`vulngate: ${logLine(err.message)}\n`);
    return err.exitCode;
  }
  stderr.write(`vulngate: unexpected error: ${describeError(err)} (please report this)\n`);
  return ExitCode.Internal;
}
