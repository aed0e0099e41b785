import type { Logger } from '../core/logger.js';
import { logLine } from '../core/text.js';

/**
 * Plain lines on stderr; stdout carries the summary. One line each, without control characters (no terminal escape
 * from a package name) and never a workflow command when the CLI runs inside GitHub Actions.
 */
export function createCliLogger(stream: NodeJS.WritableStream, verbose: boolean, quiet = false): Logger {
  const line = (prefix: string) => (message: string) => void stream.write(`${prefix}${logLine(message)}\n`);
  const none = () => undefined;
  return {
    debug: verbose ? line('debug: ') : none,
    info: quiet ? none : line(''),
    notice: quiet ? none : line('notice: '),
    warning: line('warning: '),
    error: line('error: '),
  };
}
