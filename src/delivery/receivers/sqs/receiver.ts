import { DEFAULT_RETRY } from '../../../lib/retry.js';
import type { Receiver, SpoolEntry } from '../../receiver.js';
import { ENTRY_FIELDS, namesMoreThanWhat, unexpectedKeys } from '../../spool.js';
import { buildMessages, type SqsMessage } from './messages.js';

/** The messages to send; the queue is this job's `sqs-queue-url`, never the spool's. */
export interface SqsEntry extends SpoolEntry {
  sink: 'sqs';
  messages: SqsMessage[];
}

const isStringRecord = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((v) => typeof v === 'string');

function isMessage(value: unknown): boolean {
  const m = value as Partial<Record<keyof SqsMessage, unknown>> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.key === 'string' &&
    typeof m.groupId === 'string' &&
    typeof m.deduplicationId === 'string' &&
    typeof m.document === 'object' &&
    m.document !== null &&
    isStringRecord(m.attributes)
  );
}

/**
 * Written ahead: every message is in the spool before the first is sent, and leaves it only once SQS confirmed it.
 * A job cancelled mid-send (SIGTERM) leaves what was not confirmed in the spool.
 */
export const sqsReceiver: Receiver<SqsEntry> = {
  name: 'sqs',
  stage: 'records',

  async plan(run, context) {
    const sqs = run.options.sqs;
    if (!sqs) return undefined;
    const identity = { scanId: run.scanId, timestamp: context.now.toISOString(), ci: run.ci };
    // With the user's attributes merged in, so a replay sends exactly what this run meant to.
    const messages = buildMessages({ identity, results: run.results }).map((m) => ({
      ...m,
      attributes: { ...m.attributes, ...sqs.userAttributes },
    }));
    const createdAt = context.now.toISOString();
    return { entry: { version: 1, sink: 'sqs', createdAt, reasons: ['not sent yet'], messages } };
  },

  async send(entry, to, context) {
    const queueUrl = to.sqs?.queueUrl;
    if (!queueUrl) return { status: 'skipped', message: 'SQS: a queue is needed to send it (sqs-queue-url)' };
    // Loaded only when a queue is configured: the AWS SDK is most of the CLI's start-up time otherwise.
    const { sendToSqs } = await import('./send.js');
    const delivery = await sendToSqs({
      settings: { queueUrl, region: to.sqs?.region, userAttributes: {}, retry: context.retry ?? DEFAULT_RETRY },
      messages: entry.messages,
      logger: context.logger,
      env: context.env,
    });
    const { messages } = entry;
    const shortened = delivery.shortened > 0 ? ` (${delivery.shortened} shortened to fit the queue's size limit)` : '';
    const message = `SQS: delivered ${delivery.delivered} of ${messages.length} messages to ${queueUrl}${shortened}`;
    if (delivery.undelivered.length === 0) return { status: 'delivered', message };
    context.logger.info(message);
    const reasons = [...new Set(delivery.undelivered.map((u) => u.reason))];
    return {
      status: 'failed',
      message: `SQS: ${delivery.undelivered.length} message(s) not delivered (${reasons[0]})`,
      left: { ...entry, reasons, messages: delivery.undelivered.map((u) => u.message) },
    };
  },

  check(entry) {
    const extra = unexpectedKeys(entry, [...ENTRY_FIELDS, 'messages']);
    if (extra.length > 0) return namesMoreThanWhat(extra);
    const { messages } = entry;
    return Array.isArray(messages) && messages.every(isMessage) ? undefined : 'an SQS entry without messages';
  },

  secrets: () => [],
};
