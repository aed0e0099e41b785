import type { Logger } from '../core/logger.js';

/** Plain lines on stderr; stdout carries the summary. */
export function createCliLogger(stream: NodeJS.WritableStream, verbose: boolean): Logger {
  const line = (prefix: string) => (message: string) => void stream.write(`${prefix}${message}\n`);
  return {
    debug: verbose ? line('debug: ') : () => undefined,
    info: line(''),
    notice: line('notice: '),
    warning: line('warning: '),
    error: line('error: '),
  };
}
