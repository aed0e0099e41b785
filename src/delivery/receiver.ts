import type { CiContext } from '../config/ci-context.js';
import type { DeliveryDestinations, DeliveryOptions } from '../config/settings.js';
import type { ImageReport } from '../core/finding.js';
import type { Logger } from '../core/logger.js';
import type { NotifyConfig } from '../core/notify.js';
import type { GateResults } from '../core/results.js';
import type { RetryPolicy } from '../lib/retry.js';

/**
 * One receiver: SQS, DefectDojo, Slack, the issue trackers, and the ones to come. Each is a folder under
 * receivers/ implementing this, and one line in receivers/index.ts; the run's delivery loop, the spool and its
 * replay know them only through it.
 */
export interface Receiver<E extends SpoolEntry = SpoolEntry> {
  /** Names its outcomes and its spool files (`<name>-<id>.json`). */
  readonly name: string;
  /**
   * Records (SQS, DefectDojo) are delivered before the audit artifact is uploaded, so it holds what they could not
   * take; messages to people (Slack, issues) after it, so they can link it and a slow tracker delays nothing else.
   */
  readonly stage: 'records' | 'people';
  /** What to send from the run's results; undefined when it is not configured or nothing calls for it. */
  plan(run: RunDelivery, context: DeliveryContext): Promise<Planned<E> | undefined>;
  /** Sends one entry (planned, or read from the spool) to where this job's configuration says. */
  send(entry: E, to: Destinations, context: SendContext): Promise<Sent<E>>;
  /**
   * A spooled entry read back, its common fields already checked: undefined when it is one of this receiver's,
   * else why not. Anything naming a destination, a URL or a credential is refused: at replay those come from the
   * replaying job's configuration only.
   */
  check(entry: Record<string, unknown>, spool: SpoolDir): string | undefined;
  /** Files beside the entry that it names (DefectDojo's reports): removed with it. */
  attachments?(entry: E): string[];
  /** Every secret this job hands the receiver to send this entry, for redaction. */
  secrets(to: Destinations, entry: E): (string | undefined)[];
}

/** What every spool entry has: what to send, never where to or with what credentials. */
export interface SpoolEntry {
  version: 1;
  /** The receiver's name (`sink` since the spool's first format). */
  sink: string;
  createdAt: string;
  /** Why it is (still) in the spool. */
  reasons: string[];
}

/** An entry to send, with files to keep beside it in the spool (named by the entry, relative to the spool). */
export interface Planned<E extends SpoolEntry> {
  entry: E;
  files?: { name: string; text: string }[];
}

/**
 * `skipped`: this job has no destination or credential for it (said in `message`); at replay that keeps it in the
 * spool. `failed`: `message` says what failed; `left` is what is still to send (nothing: the entry is dropped).
 */
export type Sent<E extends SpoolEntry> =
  { status: 'delivered' | 'skipped'; message: string } | { status: 'failed'; message: string; left?: E };

/** The logger, the time, retry timing (shortened by tests). */
export interface DeliveryContext {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  now: Date;
  retry?: RetryPolicy;
  /** Per request. */
  timeoutMs?: number;
}

export interface SendContext extends DeliveryContext {
  spool: SpoolDir;
}

/** The spool directory, and the one way to name a file in it. */
export interface SpoolDir {
  dir: string;
  /** A file an entry names, inside the spool or undefined (by its path alone: `read` checks the links too). */
  file(reference: unknown): string | undefined;
  /** The text of a file an entry names: only when its real path is inside the spool and it is no link. */
  read(reference: unknown): Promise<string>;
}

/** What a run gives its receivers to plan from. */
export interface RunDelivery {
  results: GateResults;
  /** Trivy's reports as read, for DefectDojo's import. */
  reports: ImageReport[];
  options: DeliveryOptions;
  /** The profile's notify: who to tell. */
  notify?: NotifyConfig;
  ci: CiContext;
  /** The audit artifact, once uploaded: messages to people link it. */
  artifactUrl?: string;
  /** One per run: in SQS messages, and in the spool's file names. */
  scanId: string;
  spoolId: string;
}

/** Where to send and with what: this job's configuration, never the spool's. */
export interface Destinations extends DeliveryDestinations {
  ci: CiContext;
  /** Slack's webhook URL is read from the variable the profile names. */
  env: NodeJS.ProcessEnv;
  /**
   * Who to tell, and through what: the profile of the job that sends (at replay, the replaying job's profile).
   * Slack's variable and mention, the tracker and its project come from here, never from the spool.
   */
  notify?: NotifyConfig;
}
