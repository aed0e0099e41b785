import type { ElasticsearchDestination } from '../../../config/elasticsearch-settings.js';
import { describeError } from '../../../core/errors.js';
import { oneLine } from '../../../core/text.js';
import { httpClient, joinUrl, type HttpClient } from '../../../lib/http.js';
import { RetryableError, retry, type RetryPolicy } from '../../../lib/retry.js';

/** One document to index, under an id that is the same on every send of it (a replay overwrites, never adds). */
export interface IndexDocument {
  id: string;
  document: Record<string, unknown>;
}

export interface BulkDelivery {
  delivered: number;
  undelivered: { doc: IndexDocument; reason: string }[];
}

/** Elasticsearch's default http.max_content_length is 100 MB; 5 MB per request is its own advice for _bulk. */
export const MAX_BULK_BYTES = 5 * 1024 * 1024;

/** A bulk request's body: an action line and a source line per document, each chunk at most maxBytes. */
export function* bulkChunks(index: string, docs: IndexDocument[], maxBytes = MAX_BULK_BYTES) {
  let lines: string[] = [];
  let chunk: IndexDocument[] = [];
  let size = 0;
  for (const doc of docs) {
    // create, not index: a document that is there already stays as it was (a replayed spool cannot rewrite a record).
    const pair = `${JSON.stringify({ create: { _index: index, _id: doc.id } })}\n${JSON.stringify(doc.document)}\n`;
    const bytes = Buffer.byteLength(pair);
    if (chunk.length > 0 && size + bytes > maxBytes) {
      yield { body: lines.join(''), docs: chunk };
      lines = [];
      chunk = [];
      size = 0;
    }
    lines.push(pair);
    chunk.push(doc);
    size += bytes;
  }
  if (chunk.length > 0) yield { body: lines.join(''), docs: chunk };
}

interface BulkItem {
  status?: number;
  error?: { type?: string; reason?: string };
}

function authorization(to: ElasticsearchDestination): Record<string, string> {
  if (to.apiKey) return { Authorization: `ApiKey ${to.apiKey}` };
  if (to.username && to.password) {
    return { Authorization: `Basic ${Buffer.from(`${to.username}:${to.password}`).toString('base64')}` };
  }
  return {};
}

/** Every form in which a server might echo the credential back: the header as sent (the redactor decodes it). */
export function elasticsearchSecrets(to: ElasticsearchDestination): (string | undefined)[] {
  return [to.apiKey, to.password, authorization(to).Authorization];
}

/**
 * The item's error in one line of at most 200 characters: a mapping error quotes the field's value, which an image's
 * author wrote, so it is flattened to one line before it reaches a log or the spool.
 */
function itemReason(item: BulkItem, redact: (text: string) => string): string {
  // Redacted before it is cut: a secret the server echoed must not survive as its first half.
  const reason = item.error?.reason ? `: ${oneLine(redact(item.error.reason)).slice(0, 200)}` : '';
  return `${item.status ?? '?'} ${oneLine(redact(item.error?.type ?? 'error')).slice(0, 100)}${reason}`;
}

/** One chunk; items refused for load (429) or on the server's side (5xx) are sent again with the retry helper. */
async function sendChunk(http: HttpClient, to: ElasticsearchDestination, docs: IndexDocument[], policy: RetryPolicy) {
  const index = to.index;
  let pending = docs;
  const refused: { doc: IndexDocument; reason: string }[] = [];
  let delivered = 0;
  const attempt = async () => {
    const body = [...bulkChunks(index, pending, Number.MAX_SAFE_INTEGER)][0]?.body ?? '';
    const answer = await http.send({
      method: 'POST',
      url: joinUrl(to.url ?? '', '/_bulk'),
      headers: { 'Content-Type': 'application/x-ndjson' },
      body,
    });
    const items = ((answer.json() as { items?: Record<string, BulkItem>[] }).items ?? []).map(
      (entry) => Object.values(entry)[0] ?? {},
    );
    const again: IndexDocument[] = [];
    let lastReason = '';
    pending.forEach((doc, i) => {
      const item = items[i] ?? { error: { type: 'no answer for this document' } };
      const status = item.status ?? 0;
      // 409: a document with this id is there already (an earlier send of it that was not confirmed).
      if ((status >= 200 && status < 300) || status === 409) delivered += 1;
      else if (status === 429 || status >= 500) {
        again.push(doc);
        lastReason = itemReason(item, (text) => http.redact(text));
      } else refused.push({ doc, reason: itemReason(item, (text) => http.redact(text)) });
    });
    pending = again;
    if (pending.length > 0) throw new RetryableError(lastReason);
  };
  try {
    await retry(policy, attempt, { classify: (err) => ({ retry: err instanceof RetryableError }) });
  } catch (err) {
    const reason = describeError(err);
    // Whatever was not confirmed stays undelivered: a whole request that failed takes every pending document.
    refused.push(...pending.map((doc) => ({ doc, reason })));
  }
  return { delivered, refused };
}

/** Indexes every document; never throws: what was not indexed is returned with why. */
export async function sendBulk(args: {
  to: ElasticsearchDestination;
  docs: IndexDocument[];
  retry: RetryPolicy;
  timeoutMs: number;
}): Promise<BulkDelivery> {
  const { to } = args;
  const http = httpClient({
    service: 'Elasticsearch',
    credential: { origin: to.url ?? '', headers: authorization(to) },
    secrets: elasticsearchSecrets(to),
    retry: args.retry,
    timeoutMs: args.timeoutMs,
  });
  const delivery: BulkDelivery = { delivered: 0, undelivered: [] };
  for (const chunk of bulkChunks(to.index, args.docs)) {
    const { delivered, refused } = await sendChunk(http, to, chunk.docs, args.retry);
    delivery.delivered += delivered;
    delivery.undelivered.push(...refused);
  }
  return delivery;
}
