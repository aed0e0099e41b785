/** Exit codes are part of the interface: CI scripts branch on them. README's table lists them. */
export const ExitCode = {
  /** The profile passed the check. */
  Pass: 0,
  /** The profile failed the check. */
  PolicyFailed: 1,
  /** Bad usage or configuration; nothing was scanned. */
  Config: 2,
  /** The scanner failed or a report could not be read; the other images were still judged. */
  Scanner: 3,
  /** Delivery to a receiver failed and forward-failure is fail; what was not delivered is in the spool. */
  Delivery: 4,
  /** vulngate itself failed: a bug to report (sysexits' EX_SOFTWARE). */
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad usage or configuration: a profile, an input, a flag. Nothing is scanned. */
export class ConfigError extends Error {
  readonly exitCode = ExitCode.Config;
  override readonly name = 'ConfigError';
}

/** The scanner failed or a report could not be read. */
export class ScanError extends Error {
  readonly exitCode = ExitCode.Scanner;
  override readonly name = 'ScanError';
}

export type GateError = ConfigError | ScanError;

export function isGateError(value: unknown): value is GateError {
  return value instanceof ConfigError || value instanceof ScanError;
}

/** One line for any thrown value, Error or not. */
export function describeError(value: unknown): string {
  if (value instanceof Error) return value.message.split('\n')[0] ?? value.name;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `ENOENT` for file-system errors, else the one-line description. */
export function errorCode(value: unknown): string {
  const code = (value as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : describeError(value);
}
