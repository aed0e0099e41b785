// In front of the real SQS-compatible server (fauxqs) on 127.0.0.1: maps 127.0.0.1 queue URLs to the server's
// canonical ones (its sqs.<region>.localhost host does not resolve here) and injects the failures SQS really has:
// throttling, a response lost after delivery, partially failed batches, an outage.
import { createServer, request } from 'node:http';
import { SQSClient, CreateQueueCommand, ReceiveMessageCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';

export type Fault = 'throttle' | 'lose-response' | 'partial' | 'down';

export interface SqsLab {
  /** Queue URLs to give vulngate (through the proxy). */
  queueUrl(name: string): string;
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>;
  /** The next `times` requests of `action` (e.g. SendMessageBatch) get this fault. */
  inject(action: string, fault: Fault, times: number): void;
  /** Ends every injected fault. */
  heal(): void;
  /** Every SendMessageBatch that reached the server: entry count and total bytes (bodies + attributes). */
  batches: { queue: string; entries: number; bytes: number }[];
  calls: string[];
  /** Reads and deletes every message in the queue. */
  drain(name: string): Promise<{ body: string; attributes: Record<string, string>; groupId?: string }[]>;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/x-amz-json-1.0';

export async function startSqsLab(): Promise<SqsLab> {
  const server = await startFauxqs({ port: 0, logger: false });
  const direct = new SQSClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${server.port}`,
    useQueueUrlAsEndpoint: false,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const canonical = new Map<string, string>();
  const faults: { action: string; fault: Fault; times: number }[] = [];
  const batches: SqsLab['batches'] = [];
  const calls: string[] = [];
  let proxyPort = 0;

  const forward = (path: string, headers: Record<string, string>, body: string) =>
    new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path,
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 500,
              headers: res.headers as Record<string, string>,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const action = String(req.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
    calls.push(action);
    const payload = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    const name = typeof payload.QueueUrl === 'string' ? payload.QueueUrl.split('/').pop()! : '';
    if (name) payload.QueueUrl = canonical.get(name) ?? payload.QueueUrl;
    const fault = faults.find((f) => f.times > 0 && (f.action === action || f.action === '*'));
    if (fault) fault.times -= 1;
    const answer = (status: number, body: object, extra: Record<string, string> = {}) =>
      res
        .writeHead(status, { 'content-type': JSON_TYPE, 'x-amzn-requestid': 'proxy', ...extra })
        .end(JSON.stringify(body));
    if (fault?.fault === 'down')
      return answer(503, { __type: 'com.amazonaws.sqs#ServiceUnavailable', message: 'Service Unavailable' });
    if (fault?.fault === 'throttle') {
      return answer(
        400,
        { __type: 'com.amazonaws.sqs#RequestThrottled', message: 'Rate exceeded' },
        { 'x-amzn-query-error': 'RequestThrottled;Sender' },
      );
    }
    let dropped: { Id: string }[] = [];
    if (fault?.fault === 'partial' && action === 'SendMessageBatch') {
      const entries = payload.Entries as { Id: string }[];
      dropped = entries.filter((_, i) => i % 2 === 1);
      payload.Entries = entries.filter((_, i) => i % 2 === 0);
    }
    if (action === 'SendMessageBatch') {
      const entries = payload.Entries as {
        MessageBody: string;
        MessageAttributes?: Record<string, { DataType: string; StringValue: string }>;
      }[];
      const bytes = entries.reduce(
        (n, e) =>
          n +
          Buffer.byteLength(e.MessageBody) +
          Object.entries(e.MessageAttributes ?? {}).reduce(
            (m, [k, v]) => m + Buffer.byteLength(k) + Buffer.byteLength(v.DataType) + Buffer.byteLength(v.StringValue),
            0,
          ),
        0,
      );
      batches.push({ queue: name, entries: entries.length, bytes });
    }
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'x-amz-target', 'authorization', 'x-amz-date', 'x-amz-content-sha256'])
      if (req.headers[h]) headers[h] = String(req.headers[h]);
    const upstream = await forward(req.url ?? '/', headers, JSON.stringify(payload));
    if (fault?.fault === 'lose-response')
      return answer(500, { __type: 'com.amazonaws.sqs#InternalError', message: 'We encountered an internal error.' });
    if (dropped.length > 0 && upstream.status === 200) {
      const body = JSON.parse(upstream.body) as { Successful?: unknown[]; Failed?: unknown[] };
      body.Failed = [
        ...(body.Failed ?? []),
        ...dropped.map((d) => ({
          Id: d.Id,
          SenderFault: false,
          Code: 'InternalError',
          Message: 'injected: not delivered',
        })),
      ];
      return answer(200, body);
    }
    res
      .writeHead(upstream.status, { 'content-type': upstream.headers['content-type'] ?? JSON_TYPE })
      .end(upstream.body);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyPort = (proxy.address() as { port: number }).port;

  const lab: SqsLab = {
    queueUrl: (name) => `http://127.0.0.1:${proxyPort}/000000000000/${name}`,
    async createQueue(name, attributes = {}) {
      const fifo = name.endsWith('.fifo') ? { FifoQueue: 'true' } : {};
      const { QueueUrl } = await direct.send(
        new CreateQueueCommand({ QueueName: name, Attributes: { ...fifo, ...attributes } }),
      );
      canonical.set(name, QueueUrl!);
      return lab.queueUrl(name);
    },
    inject(action, fault, times) {
      faults.push({ action, fault, times });
    },
    heal() {
      faults.length = 0;
    },
    batches,
    calls,
    async drain(name) {
      const out: { body: string; attributes: Record<string, string>; groupId?: string }[] = [];
      for (;;) {
        const { Messages } = await direct.send(
          new ReceiveMessageCommand({
            QueueUrl: canonical.get(name),
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 300,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['MessageGroupId'],
          }),
        );
        if (!Messages || Messages.length === 0) break;
        for (const m of Messages) {
          out.push({
            body: m.Body ?? '',
            attributes: Object.fromEntries(
              Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']),
            ),
            groupId: m.Attributes?.MessageGroupId,
          });
        }
        await direct.send(
          new DeleteMessageBatchCommand({
            QueueUrl: canonical.get(name),
            Entries: Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      return out;
    },
    async close() {
      direct.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await server.stop();
    },
  };
  return lab;
}
