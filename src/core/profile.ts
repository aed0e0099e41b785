import type { ExploitationPolicy } from './exploitation.js';
import type { NotifyConfig } from './notify.js';
import type { Severity } from './severity.js';

/** Exceptions whose last day is at most this many UTC days away get a notice. */
export const EXPIRING_SOON_DAYS = 14;

export const VEX_STATUSES = ['not_affected', 'affected', 'fixed', 'under_investigation'] as const;
export type VexStatus = (typeof VEX_STATUSES)[number];

export interface ExceptionRule {
  /** Normalized: trimmed, typographic dashes replaced, upper case. */
  id: string;
  package?: string;
  severity?: Severity;
  images?: string[];
  /** Globs on the finding's target (a lockfile's path for code dependencies). */
  paths?: string[];
  note: string;
  /** Who accepted the risk. */
  owner?: string;
  /** Where the acceptance is tracked (URL or key). */
  ticket?: string;
  /** How vulngate.openvex.json states it; default affected (a risk accepted is not a claim of not affected). */
  vexStatus?: VexStatus;
  /** OpenVEX's justification, required for not_affected. */
  vexJustification?: string;
  /** YYYY-MM-DD, the last UTC day it applies. */
  until?: string;
  /** `profiles/kibana.yml exceptions[2]`: where to fix it. */
  origin: string;
}

/** Where a central profile came from: enough for an auditor to fetch the very bytes that judged. */
export interface ProfileOrigin {
  repository: string;
  ref: string;
  commit: string;
  /** Path in the profiles repository. */
  file: string;
  sha256: string;
}

/** A setting an input, flag or variable changed: what the profile said and what judged. */
export interface ProfileOverride {
  key: 'severity' | 'ignore_unfixed';
  value: string | boolean;
  profileValue: string | boolean;
  /** `VULNGATE_SEVERITY`, `--severity`, or the action input `severity`. */
  from: string;
}

/** A file that made the profile (it and what it extends), with the sha256 of the bytes read. */
export interface ProfileFile {
  file: string;
  sha256: string;
}

/** What the judge reads; the YAML adapter in src/profile builds it. */
export interface Profile {
  /** The file it came from (the most specific one, for `extends`), or `built-in default`. */
  source: string;
  severity: Severity;
  ignoreUnfixed: boolean;
  exceptions: ExceptionRule[];
  /** Exceptions must end within this many days. */
  maxExceptionDays?: number;
  /** Set when the profile came from a central profiles repository. */
  origin?: ProfileOrigin;
  /** Slack and issue trackers. */
  notify?: NotifyConfig;
  /** KEV, EPSS and end-of-life OS (`kev`, `epss`, `eol_os`); the defaults when unset. */
  exploitation?: ExploitationPolicy;
  /** The files read, most specific first, each with its sha256; absent for the built-in default. */
  files?: ProfileFile[];
  /** Settings changed by inputs, flags or variables. */
  overrides?: ProfileOverride[];
}

export const BUILT_IN_PROFILE: Profile = {
  source: 'built-in default',
  severity: 'HIGH',
  ignoreUnfixed: true,
  exceptions: [],
};

/** Dashes a web page or word processor puts where a hyphen was typed. */
const TYPOGRAPHIC_DASHES = /[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63\uFF0D]/g;

export function normalizeDashes(text: string): string {
  return text.replace(TYPOGRAPHIC_DASHES, '-');
}

/** Ids compare case-insensitively and with plain dashes. */
export function normalizeVulnerabilityId(id: string): string {
  return normalizeDashes(id.trim()).toUpperCase();
}
