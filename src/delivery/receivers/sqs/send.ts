import {
  GetQueueAttributesCommand,
  SQSClient,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import pLimit from 'p-limit';
import type { SqsOptions } from '../../../config/settings.js';
import { describeError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { RetryableError, httpStatus, retry, type RetryPolicy } from '../../../lib/retry.js';
import { fitBody, type SqsMessage } from './messages.js';

/** The options as read from inputs (region: the input, else AWS_REGION / AWS_DEFAULT_REGION, else the queue URL's). */
export interface SqsSettings extends SqsOptions {
  retry: RetryPolicy;
}

export interface SqsDelivery {
  delivered: number;
  undelivered: { message: SqsMessage; reason: string }[];
  shortened: number;
}

/** What SQS allows when the queue's own limit cannot be read (a send-only role): the older, smaller one. */
export const FALLBACK_MAX_MESSAGE_SIZE = 262_144;
export const MAX_BATCH_ENTRIES = 10;
const STANDARD_QUEUE_CONCURRENCY = 5;

export function regionFromQueueUrl(queueUrl: string): string | undefined {
  return /sqs[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(queueUrl)?.[1];
}

function attributeBytes(attributes: Record<string, string>): number {
  return Object.entries(attributes).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength('String') + Buffer.byteLength(v),
    0,
  );
}

interface Prepared {
  message: SqsMessage;
  body: string;
  attributes: Record<string, string>;
  size: number;
}

/** Sends one message per finding and per image; never throws: what was not delivered is returned. */
export async function sendToSqs(args: {
  settings: SqsSettings;
  messages: SqsMessage[];
  logger: Logger;
  env: NodeJS.ProcessEnv;
}): Promise<SqsDelivery> {
  const { settings, logger } = args;
  const region =
    settings.region ||
    args.env.AWS_REGION ||
    args.env.AWS_DEFAULT_REGION ||
    regionFromQueueUrl(settings.queueUrl) ||
    'us-east-1';
  // The queue's own host, unless the standard variables name another (VPC endpoints, mirrors).
  const endpoint = args.env.AWS_ENDPOINT_URL_SQS || args.env.AWS_ENDPOINT_URL || new URL(settings.queueUrl).origin;
  // The SDK retries throttling and 5xx itself (standard mode, with backoff); more attempts for a busy queue.
  const client = new SQSClient({ region, endpoint, maxAttempts: 5 });
  const delivery: SqsDelivery = { delivered: 0, undelivered: [], shortened: 0 };
  const delivered = new Set<string>();
  try {
    const maxSize = await queueMaxSize(client, settings.queueUrl, logger);
    const fifo = settings.queueUrl.endsWith('.fifo');
    const prepared: Prepared[] = [];
    for (const message of args.messages) {
      const attributes = { ...message.attributes, ...settings.userAttributes };
      const attrBytes = attributeBytes(attributes);
      const body = fitBody(message, maxSize, attrBytes);
      const size = Buffer.byteLength(body) + attrBytes;
      if (body !== JSON.stringify(message.document)) delivery.shortened += 1;
      if (size > maxSize)
        delivery.undelivered.push({
          message,
          reason: `${size} bytes even without long fields; the queue allows ${maxSize}`,
        });
      else prepared.push({ message, body, attributes, size });
    }
    // Standard queues have no order, so batches go out a few at a time; FIFO keeps each image's messages in order.
    const limit = pLimit(fifo ? 1 : STANDARD_QUEUE_CONCURRENCY);
    const sent = await Promise.allSettled(
      [...batches(prepared, maxSize)].map((batch) =>
        limit(() => sendBatch({ client, settings, batch, fifo, delivery, delivered })),
      ),
    );
    const failure = sent.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  } catch (err) {
    // Configuration-level failures (credentials, unknown queue): nothing more can be sent. What was sent stays sent.
    const settled = new Set([...delivered, ...delivery.undelivered.map((u) => u.message.key)]);
    const reason = describeError(err);
    logger.debug(`SQS: ${reason}`);
    for (const message of args.messages) if (!settled.has(message.key)) delivery.undelivered.push({ message, reason });
  } finally {
    client.destroy();
  }
  return delivery;
}

async function queueMaxSize(client: SQSClient, queueUrl: string, logger: Logger): Promise<number> {
  try {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['MaximumMessageSize'] }),
    );
    const size = Number(Attributes?.MaximumMessageSize);
    return Number.isFinite(size) && size > 0 ? size : FALLBACK_MAX_MESSAGE_SIZE;
  } catch (err) {
    const name = (err as { name?: string } | null)?.name ?? '';
    // A send-only role may not read attributes; anything else (no such queue, bad credentials) is fatal here.
    if (!/AccessDenied|AuthorizationError|UnauthorizedOperation/i.test(name)) throw err;
    logger.info(
      `SQS: cannot read the queue's MaximumMessageSize (${name}); keeping messages within ` +
        `${FALLBACK_MAX_MESSAGE_SIZE} bytes`,
    );
    return FALLBACK_MAX_MESSAGE_SIZE;
  }
}

/** At most 10 entries and at most the queue's size limit per batch, in order. */
function* batches(items: Prepared[], maxSize: number): Generator<Prepared[]> {
  let current: Prepared[] = [];
  let size = 0;
  for (const item of items) {
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && size + item.size > maxSize)) {
      yield current;
      current = [];
      size = 0;
    }
    current.push(item);
    size += item.size;
  }
  if (current.length > 0) yield current;
}

/** Whole-batch failures that another try can fix: throttling beyond the SDK's attempts, 5xx, network. */
function isTransient(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name ?? '';
  const text = `${name} ${describeError(err)}`;
  return (
    /Throttl|RequestThrottled|ServiceUnavailable|InternalError|TimeoutError|ECONNRESET|ECONNREFUSED/i.test(text) ||
    (httpStatus(err) ?? 0) >= 500
  );
}

interface BatchArgs {
  client: SQSClient;
  settings: SqsSettings;
  batch: Prepared[];
  fifo: boolean;
  delivery: SqsDelivery;
  delivered: Set<string>;
}

/** Sends one batch; entries SQS failed on its side are sent again, alone, with the one retry helper. */
async function sendBatch(args: BatchArgs): Promise<void> {
  const { client, settings, fifo, delivery, delivered } = args;
  let pending = args.batch;
  let attempts = 0;
  const attempt = async (n: number) => {
    attempts = n;
    const entries: SendMessageBatchRequestEntry[] = pending.map((p, i) => ({
      Id: `m${i}`,
      MessageBody: p.body,
      MessageAttributes: Object.fromEntries(
        Object.entries(p.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
      ...(fifo ? { MessageGroupId: p.message.groupId, MessageDeduplicationId: p.message.deduplicationId } : {}),
    }));
    let response;
    try {
      response = await client.send(new SendMessageBatchCommand({ QueueUrl: settings.queueUrl, Entries: entries }));
    } catch (err) {
      if (!isTransient(err)) throw err;
      throw new RetryableError(`${(err as { name?: string } | null)?.name ?? 'Error'}: ${describeError(err)}`);
    }
    for (const ok of response.Successful ?? []) {
      const item = pending[Number(ok.Id?.slice(1))];
      if (item && !delivered.has(item.message.key)) {
        delivered.add(item.message.key);
        delivery.delivered += 1;
      }
    }
    const again: Prepared[] = [];
    let lastReason = '';
    for (const failed of response.Failed ?? []) {
      const item = pending[Number(failed.Id?.slice(1))];
      if (!item) continue;
      const reason = `${failed.Code ?? 'Failed'}: ${failed.Message ?? ''}`.trim();
      if (failed.SenderFault) delivery.undelivered.push({ message: item.message, reason });
      else {
        again.push(item);
        lastReason = reason;
      }
    }
    pending = again;
    if (pending.length > 0) throw new RetryableError(lastReason);
  };
  try {
    await retry(settings.retry, attempt, { classify: (err) => ({ retry: err instanceof RetryableError }) });
  } catch (err) {
    if (!(err instanceof RetryableError)) throw err;
    for (const item of pending) {
      delivery.undelivered.push({
        message: item.message,
        reason: `still failing after ${attempts} attempts: ${err.message}`,
      });
    }
  }
}
