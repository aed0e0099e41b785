import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { CiContext } from '../config/ci-context.js';
import { destinationsOf, type DeliveryOptions } from '../config/settings.js';
import { describeError } from '../core/errors.js';
import type { ImageReport } from '../core/finding.js';
import type { NotifyConfig } from '../core/notify.js';
import type { GateResults } from '../core/results.js';
import { redact } from '../lib/redact.js';
import type { DeliveryOutcome } from './outcome.js';
import type { DeliveryContext, Destinations, Receiver, RunDelivery, Sent, SpoolDir, SpoolEntry } from './receiver.js';
import { RECEIVERS } from './receivers/index.js';
import { removeFiles, spoolDir, spoolId, writeEntry } from './spool.js';

export interface DeliveryArgs {
  results: GateResults;
  /** Trivy's reports as read, for DefectDojo's import. */
  reports: ImageReport[];
  options: DeliveryOptions;
  notify?: NotifyConfig;
  ci: CiContext;
  outputDir: string;
  context: DeliveryContext;
  artifactUrl?: string;
  /** One per run: every stage of a run uses the same, so its spool files share their id. */
  scanId?: string;
  /** Only the receivers of this stage; all when undefined. */
  stage?: Receiver['stage'];
}

/**
 * Delivers the run to every receiver that has something to send: each entry is in the spool before it is sent and
 * leaves it when delivered. Each receiver is on its own: one failing never stops another. Never throws.
 */
export async function deliver(args: DeliveryArgs): Promise<DeliveryOutcome[]> {
  const scanId = args.scanId ?? randomUUID();
  const run: RunDelivery = { ...args, scanId, spoolId: spoolId(args.context.now, scanId) };
  const to: Destinations = { ...destinationsOf(args.options), ci: args.ci, env: args.context.env, notify: args.notify };
  const spool = spoolDir(args.outputDir);
  const outcomes: DeliveryOutcome[] = [];
  for (const receiver of RECEIVERS) {
    if (args.stage && receiver.stage !== args.stage) continue;
    const planned = await receiver.plan(run, args.context);
    if (!planned) continue;
    const file = await writeEntry(spool, run.spoolId, planned);
    const sent = { receiver, entry: planned.entry, file, id: run.spoolId };
    outcomes.push(await sendEntry({ ...sent, to, spool, context: args.context, fromDir: args.outputDir }));
  }
  return outcomes;
}

/** What `forward-failure: fail` turns into exit code 4: a receiver that keeps what failed in the spool failed. */
export function deliveryFailed(outcomes: DeliveryOutcome[]): boolean {
  return outcomes.some((o) => o.status === 'failed' && RECEIVERS.some((r) => r.name === o.receiver));
}

export interface SendArgs {
  receiver: Receiver;
  entry: SpoolEntry;
  /** Its spool file, written before it is sent. */
  file: string;
  id: string;
  to: Destinations;
  spool: SpoolDir;
  context: DeliveryContext;
  /** Said in the line that tells how to send it again. */
  fromDir: string;
  /** At replay, an entry this job cannot send (no destination configured) stays in the spool, and counts as failed. */
  replaying?: boolean;
}

async function attempt(args: SendArgs): Promise<Sent<SpoolEntry>> {
  try {
    return await args.receiver.send(args.entry, args.to, { ...args.context, spool: args.spool });
  } catch (err) {
    const reason = describeError(err);
    return {
      status: 'failed',
      message: `${args.receiver.name}: ${reason}`,
      left: { ...args.entry, reasons: [reason] },
    };
  }
}

/**
 * Sends one entry. Delivered: it leaves the spool; failed: what is left is written back under the same name;
 * whatever a server echoed of the receiver's secrets is redacted first. Never throws.
 */
export async function sendEntry(args: SendArgs): Promise<DeliveryOutcome> {
  const { receiver, entry, file, spool, context } = args;
  const sent = await attempt(args);
  const secrets = receiver.secrets(args.to, entry);
  const message = redact(sent.message, secrets);
  const outcome = { receiver: receiver.name, message };
  if (sent.status === 'skipped' && args.replaying) {
    context.logger.error(`${file}: ${message}; it is left in place`);
    return { ...outcome, status: 'failed', spooled: file };
  }
  if (sent.status === 'failed' && sent.left) {
    const left = { ...sent.left, reasons: sent.left.reasons.map((r) => redact(r, secrets)) };
    try {
      await writeEntry(spool, args.id, { entry: left });
    } catch (err) {
      // A spool file replaced by a link (or a full disk): nothing is written through it; the old entry stays.
      const line = `${message}; ${file} could not be written again (${describeError(err)})`;
      context.logger.error(line);
      return { ...outcome, status: 'failed', message: line, spooled: file };
    }
    const kept = new Set(receiver.attachments?.(left) ?? []);
    await removeFiles(
      spool,
      (receiver.attachments?.(entry) ?? []).filter((f) => !kept.has(f)),
    );
    const line = `${message}; kept in ${file} — send them again with: vulngate forward --from ${args.fromDir}`;
    context.logger.warning(line);
    return { ...outcome, status: 'failed', message: line, spooled: file };
  }
  await removeFiles(spool, receiver.attachments?.(entry) ?? []);
  await rm(file, { force: true });
  if (sent.status === 'delivered') context.logger.info(message);
  else context.logger.warning(message);
  return { ...outcome, status: sent.status };
}
