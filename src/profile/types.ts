import type { Severity } from '../core/severity.js';

export interface ExceptionRule {
  /** Normalized: trimmed, typographic dashes replaced, upper case. */
  id: string;
  package?: string;
  severity?: Severity;
  images?: string[];
  note: string;
  /** YYYY-MM-DD, the last UTC day it applies. */
  until?: string;
  /** `profiles/kibana.yml exceptions[2]`: where to fix it. */
  origin: string;
}

export interface Profile {
  /** The file it came from (the most specific one, for `extends`), or `built-in default`. */
  source: string;
  severity: Severity;
  ignoreUnfixed: boolean;
  exceptions: ExceptionRule[];
}

/** One file as written: only what it sets. */
export interface ProfileDocument {
  file: string;
  extends?: string;
  severity?: Severity;
  ignoreUnfixed?: boolean;
  exceptions: ExceptionRule[];
}

export const BUILT_IN_PROFILE: Profile = {
  source: 'built-in default',
  severity: 'HIGH',
  ignoreUnfixed: true,
  exceptions: [],
};
