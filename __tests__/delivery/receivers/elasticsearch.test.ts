// The Elasticsearch receiver against a local server that answers _bulk as Elasticsearch does (per-item statuses, 429
// under load, mapping errors that quote the document): what is retried, what is refused and said in one line, where
// the credential goes, and what the spool may hold. The real OpenSearch: __tests__/e2e/elasticsearch.int.test.ts.
import { elasticsearchDestination } from '../../../src/config/elasticsearch-settings.js';
import { readOptions } from '../../../src/config/options.js';
import { bulkChunks, sendBulk, type IndexDocument } from '../../../src/delivery/receivers/elasticsearch/bulk.js';
import { elasticsearchReceiver } from '../../../src/delivery/receivers/elasticsearch/receiver.js';
import { listen } from '../../../test/support/local-http.ts';
import { fastRetry } from '../../../test/support/retry.ts';

const idOf = (n: number) => n.toString(16).padStart(64, '0');
const doc = (n: number, extra: Record<string, unknown> = {}): IndexDocument => ({
  id: idOf(n),
  document: { documentId: idOf(n), type: 'finding', 'vulnerability.id': `CVE-2026-${n}`, ...extra },
});
const API_KEY = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==';

describe('the _bulk exchange', () => {
  test('429 items are sent again alone, a mapping error is refused in one line, the key goes to the origin only', async () => {
    const requests: { auth?: string; lines: string[] }[] = [];
    let busy = true;
    const es = await listen((req, body, res) => {
      const lines = body.trim().split('\n');
      requests.push({ auth: req.headers.authorization, lines });
      expect(req.headers['content-type']).toBe('application/x-ndjson');
      expect(req.url).toBe('/_bulk');
      const items = [];
      for (let i = 0; i < lines.length; i += 2) {
        const action = JSON.parse(lines[i]!) as { create: { _index: string; _id: string } };
        const source = JSON.parse(lines[i + 1]!) as { cvss?: unknown };
        if (source.cvss === 'high\nINJECTED: line') {
          items.push({ create: { _id: action.create._id, status: 400, error: { type: 'document_parsing_exception',
            reason: "failed to parse field [cvss] of type [float]. Preview of field's value: 'high\nINJECTED: line'" } } }); // prettier-ignore
        } else if (busy && items.length === 1) {
          items.push({
            create: { _id: action.create._id, status: 429, error: { type: 'es_rejected_execution_exception' } },
          });
        } else if (source.cvss === 'echo') {
          // A server that quotes the request's credential in its error, as sent and decoded.
          const auth = String(req.headers.authorization);
          const decoded = Buffer.from(auth.replace(/^ApiKey /, ''), 'base64').toString();
          items.push({ create: { _id: action.create._id, status: 403, error: { type: 'security_exception',
            reason: `action denied for [${auth}] (${decoded})` } } }); // prettier-ignore
        } else items.push({ create: { _id: action.create._id, status: 201, result: 'created' } });
      }
      busy = false;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ took: 3, errors: items.some((i) => i.create.status > 299), items }));
    });
    try {
      const docs = [doc(1), doc(2), doc(3, { cvss: 'high\nINJECTED: line' }), doc(4, { cvss: 'echo' })];
      const to = { url: es.url, index: 'vulngate-findings', apiKey: API_KEY };
      const delivery = await sendBulk({ to, docs, retry: fastRetry(3), timeoutMs: 5000 });
      expect(delivery.delivered).toBe(2);
      expect(delivery.undelivered.map((u) => [u.doc.id, u.reason])).toEqual([
        [doc(3).id, "400 document_parsing_exception: failed to parse field [cvss] of type [float]. Preview of field's value: 'high INJECTED: line'"],
        [doc(4).id, '403 security_exception: action denied for [ApiKey ***] (***)'],
      ]); // prettier-ignore
      // First all four; then only the one refused for load.
      expect(requests.map((r) => r.lines.length)).toEqual([8, 2]);
      expect(JSON.parse(requests[1]!.lines[0]!)).toEqual({ create: { _index: 'vulngate-findings', _id: doc(2).id } });
      expect(requests.every((r) => r.auth === `ApiKey ${API_KEY}`)).toBe(true);
    } finally {
      await es.close();
    }
  });

  test('a redirect is not followed with the key; the answer is one line without it', async () => {
    let elsewhere = 0;
    const other = await listen((_req, _body, res) => {
      elsewhere += 1;
      res.end('{}');
    });
    const es = await listen((req, _body, res) => {
      res.statusCode = 307;
      res.setHeader('location', `${other.url}/_bulk?echo=${req.headers.authorization}`);
      res.end();
    });
    try {
      const to = { url: es.url, index: 'vulngate-findings', apiKey: API_KEY };
      const delivery = await sendBulk({ to, docs: [doc(1)], retry: fastRetry(1), timeoutMs: 5000 });
      expect(elsewhere).toBe(0);
      expect(delivery.undelivered).toHaveLength(1);
      expect(delivery.undelivered[0]!.reason).not.toContain(API_KEY);
      expect(delivery.undelivered[0]!.reason).toMatch(/redirect/i);
    } finally {
      await es.close();
      await other.close();
    }
  });

  test('requests stay within 5 MB: documents are never split, each chunk holds whole pairs', () => {
    const big = Array.from({ length: 30 }, (_, i) => doc(i, { description: 'x'.repeat(400_000) }));
    const chunks = [...bulkChunks('vulngate-findings', big)];
    expect(chunks.length).toBe(3);
    expect(chunks.every((c) => Buffer.byteLength(c.body) <= 5 * 1024 * 1024)).toBe(true);
    expect(chunks.flatMap((c) => c.docs).map((d) => d.id)).toEqual(big.map((d) => d.id));
  });
});

describe('settings and the spool', () => {
  const settings = (values: Record<string, string>) =>
    elasticsearchDestination(
      readOptions(
        (name) => (values[name] === undefined ? undefined : { raw: values[name]!, label: `--${name}` }),
        (name) => `--${name}`,
      ),
    );

  test.each([
    [{ 'elasticsearch-url': 'http://es.internal:9200' }, /plain http is allowed for 127\.0\.0\.1 and localhost only/],
    [{ 'elasticsearch-url': 'https://es.example', 'elasticsearch-index': 'Findings' }, /'Findings' is not an index name/],
    [{ 'elasticsearch-url': 'https://es.example', 'elasticsearch-index': 'a,b' }, /'a,b' is not an index name/],
    [{ 'elasticsearch-url': 'https://user:pw@es.example' }, /a URL with a user or password in it is refused/],
    [{ 'elasticsearch-username': 'vulngate' }, /elasticsearch-url: required with --elasticsearch-username/],
    [{ 'elasticsearch-url': 'https://es.example', 'elasticsearch-username': 'vulngate' }, /elasticsearch-password.*required/i],
  ])('%j is one line naming the setting', (values, message) => {
    expect(() => settings(values)).toThrow(message);
  }); // prettier-ignore

  test('https anywhere, http to loopback, the default index', () => {
    expect(settings({ 'elasticsearch-url': 'https://es.example:9243' })).toEqual({
      url: 'https://es.example:9243',
      index: 'vulngate-findings',
    });
    expect(settings({ 'elasticsearch-url': 'http://127.0.0.1:9200' })?.url).toBe('http://127.0.0.1:9200');
  });

  test('a spooled entry that names a URL, an index or a credential is refused; ids must be the deterministic kind', () => {
    const base = { version: 1, sink: 'elasticsearch', createdAt: '2026-12-06T00:00:00Z', reasons: ['x'] };
    const spool = { dir: '/tmp', file: () => undefined, read: async () => '' };
    expect(elasticsearchReceiver.check({ ...base, documents: [doc(1)] }, spool)).toBeUndefined();
    expect(elasticsearchReceiver.check({ ...base, documents: [doc(1)], url: 'https://evil' }, spool)).toMatch(/url/);
    expect(elasticsearchReceiver.check({ ...base, documents: [doc(1)], index: 'other' }, spool)).toMatch(/index/);
    expect(elasticsearchReceiver.check({ ...base, documents: [{ id: 'x', document: {} }] }, spool)).toBe(
      'an Elasticsearch entry without documents',
    );
    // Aimed at another record's id: refused, so a replay cannot overwrite or pre-empt another run's document.
    const aimed = { id: idOf(7), document: { ...doc(1).document } };
    expect(elasticsearchReceiver.check({ ...base, documents: [aimed] }, spool)).toBe(
      'an Elasticsearch entry without documents',
    );
  });
});
