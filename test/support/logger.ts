import type { Logger } from '../../src/core/logger.ts';

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

/** A logger that keeps every line, for assertions on what the run said. */
export function recordingLogger(): Logger & {
  lines: { level: LogLevel; message: string }[];
  at(level: LogLevel): string[];
} {
  const lines: { level: LogLevel; message: string }[] = [];
  const log = (level: LogLevel) => (message: string) => void lines.push({ level, message });
  return {
    lines,
    at: (level) => lines.filter((l) => l.level === level).map((l) => l.message),
    debug: log('debug'),
    info: log('info'),
    notice: log('notice'),
    warning: log('warning'),
    error: log('error'),
  };
}
