import { DEFAULT_RETRY } from '../../../lib/retry.js';
import type { Receiver, SpoolEntry } from '../../receiver.js';
import { ENTRY_FIELDS, namesMoreThanWhat, unexpectedKeys } from '../../spool.js';
import { buildMessages } from '../sqs/messages.js';
import { elasticsearchSecrets, sendBulk, type IndexDocument } from './bulk.js';

/** The documents to index; the URL, index and credentials are this job's settings, never the spool's. */
export interface ElasticsearchEntry extends SpoolEntry {
  sink: 'elasticsearch';
  documents: IndexDocument[];
}

const isDocument = (value: unknown): boolean => {
  const d = value as Partial<Record<keyof IndexDocument, unknown>> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.id === 'string' &&
    /^[0-9a-f]{64}$/.test(d.id) &&
    typeof d.document === 'object' &&
    d.document !== null &&
    !Array.isArray(d.document) &&
    // The id is the document's own: an entry cannot aim a document at another record's id.
    (d.document as { documentId?: unknown }).documentId === d.id
  );
};

/**
 * Elasticsearch 8 and OpenSearch 2 through the _bulk API, for teams without the SQS → Fluentd hop: the documents are
 * the SQS messages' (one shape for both paths), each under the id SQS deduplicates it by, so a retried or replayed
 * document overwrites itself instead of counting twice.
 */
export const elasticsearchReceiver: Receiver<ElasticsearchEntry> = {
  name: 'elasticsearch',
  stage: 'records',

  async plan(run, context) {
    if (!run.options.elasticsearch) return undefined;
    const identity = { scanId: run.scanId, timestamp: context.now.toISOString(), ci: run.ci };
    const documents = buildMessages({ identity, results: run.results }).map((m) => ({
      id: m.deduplicationId,
      document: m.document,
    }));
    const createdAt = context.now.toISOString();
    return { entry: { version: 1, sink: 'elasticsearch', createdAt, reasons: ['not sent yet'], documents } };
  },

  async send(entry, to, context) {
    const es = to.elasticsearch;
    if (!es?.url) {
      return { status: 'skipped', message: 'Elasticsearch: a cluster is needed to send it (elasticsearch-url)' };
    }
    const delivery = await sendBulk({
      to: es,
      docs: entry.documents,
      retry: context.retry ?? DEFAULT_RETRY,
      timeoutMs: context.timeoutMs ?? 60_000,
    });
    const where = `${es.url} index ${es.index}`;
    const message = `Elasticsearch: indexed ${delivery.delivered} of ${entry.documents.length} documents into ${where}`;
    if (delivery.undelivered.length === 0) return { status: 'delivered', message };
    context.logger.info(message);
    const reasons = [...new Set(delivery.undelivered.map((u) => u.reason))];
    return {
      status: 'failed',
      message: `Elasticsearch: ${delivery.undelivered.length} document(s) not indexed (${reasons[0]})`,
      left: { ...entry, reasons, documents: delivery.undelivered.map((u) => u.doc) },
    };
  },

  check(entry) {
    const extra = unexpectedKeys(entry, [...ENTRY_FIELDS, 'documents']);
    if (extra.length > 0) return namesMoreThanWhat(extra);
    const { documents } = entry;
    return Array.isArray(documents) && documents.every(isDocument)
      ? undefined
      : 'an Elasticsearch entry without documents';
  },

  secrets: (to) => (to.elasticsearch ? elasticsearchSecrets(to.elasticsearch) : []),
};
