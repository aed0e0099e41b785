/** Exit codes are part of the interface: CI scripts branch on them. */
export const ExitCode = {
  Pass: 0,
  PolicyFailed: 1,
  Config: 2,
  Scanner: 3,
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
