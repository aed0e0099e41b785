import type { NotifyConfig } from '../core/notify.js';
import type { DeliveryOutcome } from './outcome.js';
import type { DeliveryContext, Destinations } from './receiver.js';
import { sendEntry } from './deliver.js';
import { RECEIVERS } from './receivers/index.js';
import { readSpool, spoolDir } from './spool.js';

/**
 * `vulngate forward --from out/`: sends what an earlier run could not; delivered entries leave the spool. Where to
 * and with what credentials come from this job (`to`), never from the spool, which only says what to send.
 */
export async function replayUndelivered(args: {
  fromDir: string;
  to: Destinations;
  context: DeliveryContext;
  /**
   * This job's profile's notify: who to tell and through what, for messages to people. Read only when the spool
   * holds some, so a replay of records alone needs no profile.
   */
  notify: () => Promise<NotifyConfig | undefined>;
}): Promise<DeliveryOutcome[]> {
  const { context } = args;
  const { entries, bad } = await readSpool(args.fromDir, RECEIVERS);
  const toPeople = entries.some((e) => e.receiver.stage === 'people');
  const to: Destinations = toPeople ? { ...args.to, notify: await args.notify() } : args.to;
  const outcomes: DeliveryOutcome[] = [];
  for (const entry of bad) {
    const message = `${entry.file}: skipped, ${entry.reason}; it is left in place`;
    context.logger.error(message);
    outcomes.push({ receiver: entry.receiver, status: 'failed', message, spooled: entry.file });
  }
  const spool = spoolDir(args.fromDir);
  if (entries.length === 0 && bad.length === 0)
    context.logger.info(`Nothing to send: no undelivered files in ${spool.dir}`);
  for (const stored of entries) {
    context.logger.info(`Sending the undelivered ${stored.receiver.name} entry ${stored.file}`);
    outcomes.push(await sendEntry({ ...stored, to, spool, context, fromDir: args.fromDir, replaying: true }));
  }
  return outcomes;
}
