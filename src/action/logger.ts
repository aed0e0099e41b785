import * as core from '@actions/core';
import type { Logger } from '../core/logger.js';
import { logLine } from '../core/text.js';

/** Every message is one line that cannot be read as a workflow command: its text may come from a scanned image. */
export function createActionLogger(): Logger {
  return {
    debug: (m) => core.debug(logLine(m)),
    info: (m) => core.info(logLine(m)),
    notice: (m) => core.notice(logLine(m)),
    warning: (m) => core.warning(logLine(m)),
    error: (m) => core.error(logLine(m)),
  };
}
