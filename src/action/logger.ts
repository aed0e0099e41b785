import * as core from '@actions/core';
import type { Logger } from '../core/logger.js';

export function createActionLogger(): Logger {
  return {
    debug: (m) => core.debug(m),
    info: (m) => core.info(m),
    notice: (m) => core.notice(m),
    warning: (m) => core.warning(m),
    error: (m) => core.error(m),
  };
}
