import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCiContext } from '../../../src/config/ci-context.js';
import { deliver } from '../../../src/delivery/deliver.js';
import { cliInProcess } from '../../../test/support/cli.ts';
import { finding, imageReport } from '../../../test/support/findings.ts';
import { recordingLogger } from '../../../test/support/logger.ts';
import { outcomeFor } from '../../../test/support/outcome.ts';
import { failedSinks, fastRetry, spooledFiles } from '../../../test/support/retry.ts';
import { reportPath } from '../../../test/support/paths.ts';
import { startSqsLab, type SqsLab } from '../../../test/support/sqs-proxy.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-sqs-'));
const AWS = { AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret-test-key', AWS_REGION: 'eu-west-1' };
const GITHUB = {
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_SHA: 'b'.repeat(40),
  GITHUB_REF: 'refs/heads/main',
  GITHUB_REF_NAME: 'main',
  GITHUB_RUN_ID: '42',
  GITHUB_SERVER_URL: 'https://github.com',
};
const FAST = fastRetry(4, 10);
const saved = { ...process.env };

let lab: SqsLab;
beforeEach(async () => {
  lab = await startSqsLab();
  // The SDK's default credential chain and region come from the environment, as on a runner.
  Object.assign(process.env, AWS);
});
afterEach(async () => {
  process.env = { ...saved };
  await lab.close();
});

const parse = (messages: { body: string }[]) => messages.map((m) => JSON.parse(m.body) as Record<string, unknown>);

test('standard queue: one message per finding and one summary per image, exact bodies and attributes', async () => {
  const queue = await lab.createQueue('findings');
  const out = tmp();
  const run = await cliInProcess(
    [
      'evaluate',
      '--report',
      reportPath('alpine-39'),
      reportPath('debian-buster'),
      '--output-dir',
      out,
      '--profiles-dir',
      tmp(),
      '--sqs-queue-url',
      queue,
      '--sqs-message-attributes',
      'team=payments\nenv=ci',
    ],
    { env: { ...AWS, ...GITHUB, PATH: process.env.PATH }, now: new Date('2026-11-23T10:00:00Z') },
  );
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`SQS: delivered 10 of 10 messages to ${queue}`);
  const received = await lab.drain('findings');
  expect(received).toHaveLength(10);
  const docs = parse(received);
  const findings = docs.filter((d) => d.type === 'finding');
  const summaries = docs.filter((d) => d.type === 'image-summary');
  expect(findings).toHaveLength(8);
  expect(summaries.map((s) => [s.image, s.verdict, s.blocking]).sort()).toEqual([
    ['ghcr.io/aquasecurity/trivy-test-images:alpine-39', 'fail', 2],
    ['ghcr.io/aquasecurity/trivy-test-images:debian-buster', 'fail', 1],
  ]);
  expect(new Set(docs.map((d) => d.scanId)).size).toBe(1);
  expect(new Set(docs.map((d) => d.targetKind))).toEqual(new Set(['image']));
  const musl = findings.find((d) => d['package.name'] === 'musl')!;
  expect(musl).toMatchObject({
    schemaVersion: 2,
    '@timestamp': '2026-11-23T10:00:00.000Z',
    timestamp: '2026-11-23T10:00:00.000Z',
    'container.image.name': 'ghcr.io/aquasecurity/trivy-test-images:alpine-39',
    'vulnerability.id': 'CVE-2019-14697',
    'vulnerability.severity': 'CRITICAL',
    'vulnerability.score.base': 9.8,
    'package.version': '1.1.20-r4',
    repository: 'acme/shop',
    ref: 'main',
    commit: 'b'.repeat(40),
    pipelineUrl: 'https://github.com/acme/shop/actions/runs/42',
    image: 'ghcr.io/aquasecurity/trivy-test-images:alpine-39',
    profile: 'built-in default',
    vulnerabilityId: 'CVE-2019-14697',
    installedVersion: '1.1.20-r4',
    fixedVersion: '1.1.20-r5',
    severity: 'CRITICAL',
    cvss: 9.8,
    decision: 'blocking',
    reason: 'severity CRITICAL is at or above HIGH and fixed in 1.1.20-r5',
  });
  expect(musl.documentId).toMatch(/^[0-9a-f]{64}$/);
  const attributes = received.find((m) => JSON.parse(m.body)['package.name'] === 'musl')!.attributes;
  expect(attributes).toEqual({
    type: 'finding',
    severity: 'CRITICAL',
    decision: 'blocking',
    team: 'payments',
    env: 'ci',
  });
  expect(lab.batches.every((b) => b.entries <= 10)).toBe(true);
});

test('FIFO queue: a batch retried after its response was lost is not delivered twice; one group per image', async () => {
  const queue = await lab.createQueue('findings.fifo');
  lab.inject('SendMessageBatch', 'lose-response', 1);
  const outcome = outcomeFor([
    imageReport(
      [finding({ image: 'shop/api:1', id: 'CVE-1' }), finding({ image: 'shop/api:1', id: 'CVE-2' })],
      'shop/api:1',
    ),
    imageReport([finding({ image: 'shop/web:2', id: 'CVE-3' })], 'shop/web:2'),
  ]);
  const result = await deliver({
    ...outcome,
    options: { sqs: { queueUrl: queue, userAttributes: {} }, failure: 'warn' },
    ci: readCiContext(GITHUB),
    outputDir: outcome.outputDir,
    context: { logger: recordingLogger(), env: process.env, now: new Date(), retry: FAST },
  });
  expect(failedSinks(result)).toBe(false);
  expect(lab.calls.filter((c) => c === 'SendMessageBatch').length).toBeGreaterThanOrEqual(2);
  const received = await lab.drain('findings.fifo');
  expect(received).toHaveLength(5);
  expect(new Set(parse(received).map((d) => `${d.type}/${d.image}/${d.vulnerabilityId}`)).size).toBe(5);
  expect(received.map((m) => m.groupId).sort()).toEqual([
    'shop/api:1',
    'shop/api:1',
    'shop/api:1',
    'shop/web:2',
    'shop/web:2',
  ]);
});

test('a queue limited to 256 KiB: batches stay under it, an oversized message is shortened, not lost', async () => {
  const queue = await lab.createQueue('small', { MaximumMessageSize: '262144' });
  const big = finding({ id: 'CVE-BIG', description: 'x'.repeat(300_000) });
  const medium = Array.from({ length: 12 }, (_, i) => finding({ id: `CVE-M${i}`, description: 'y'.repeat(60_000) }));
  const outcome = outcomeFor([imageReport([big, ...medium])]);
  const logger = recordingLogger();
  const result = await deliver({
    ...outcome,
    options: { sqs: { queueUrl: queue, userAttributes: {} }, failure: 'warn' },
    ci: readCiContext({}),
    outputDir: outcome.outputDir,
    context: { logger, env: process.env, now: new Date(), retry: FAST },
  });
  expect(failedSinks(result)).toBe(false);
  expect(logger.at('info')).toContain(
    `SQS: delivered 14 of 14 messages to ${queue} (1 shortened to fit the queue's size limit)`,
  );
  const docs = parse(await lab.drain('small'));
  expect(docs).toHaveLength(14);
  expect(docs.find((d) => d.vulnerabilityId === 'CVE-BIG')).toMatchObject({
    truncated: true,
    droppedFields: ['description'],
    title: 'openssl: a test vulnerability',
  });
  expect(docs.find((d) => d.vulnerabilityId === 'CVE-M3')!.description).toHaveLength(60_000);
  expect(lab.batches.every((b) => b.bytes <= 262_144 && b.entries <= 10)).toBe(true);
  // The 10-entry limit alone would make 2 batches; the size limit makes 3.
  expect(lab.batches.map((b) => b.entries)).toEqual([5, 4, 5]);
});

test('throttling is retried with backoff until delivered', async () => {
  const queue = await lab.createQueue('throttled');
  lab.inject('SendMessageBatch', 'throttle', 3);
  const outcome = outcomeFor([imageReport([finding({ id: 'CVE-1' }), finding({ id: 'CVE-2' })])]);
  const result = await deliver({
    ...outcome,
    options: { sqs: { queueUrl: queue, userAttributes: {} }, failure: 'warn' },
    ci: readCiContext({}),
    outputDir: outcome.outputDir,
    context: { logger: recordingLogger(), env: process.env, now: new Date(), retry: FAST },
  });
  expect(failedSinks(result)).toBe(false);
  expect(lab.calls.filter((c) => c === 'SendMessageBatch')).toHaveLength(4);
  expect(await lab.drain('throttled')).toHaveLength(3);
});

test('the failed entries of a partially failed batch are sent again, the others not', async () => {
  const queue = await lab.createQueue('partial');
  lab.inject('SendMessageBatch', 'partial', 1);
  const outcome = outcomeFor([imageReport(Array.from({ length: 6 }, (_, i) => finding({ id: `CVE-${i}` })))]);
  await deliver({
    ...outcome,
    options: { sqs: { queueUrl: queue, userAttributes: {} }, failure: 'warn' },
    ci: readCiContext({}),
    outputDir: outcome.outputDir,
    context: { logger: recordingLogger(), env: process.env, now: new Date(), retry: FAST },
  });
  expect(lab.batches.map((b) => b.entries)).toEqual([4, 3]);
  const docs = parse(await lab.drain('partial'));
  expect(docs).toHaveLength(7);
  expect(new Set(docs.map((d) => `${d.type}/${d.vulnerabilityId}`)).size).toBe(7);
});

test('an outage: messages kept in out/undelivered, the verdict stands; `vulngate forward` sends them later, exactly once', async () => {
  const queue = await lab.createQueue('later');
  lab.inject('*', 'down', 10_000);
  const outcome = outcomeFor([imageReport([finding({ id: 'CVE-1' }), finding({ id: 'CVE-2', severity: 'LOW' })])]);
  const logger = recordingLogger();
  const result = await deliver({
    ...outcome,
    options: { sqs: { queueUrl: queue, userAttributes: { team: 'payments' } }, failure: 'warn' },
    ci: readCiContext({}),
    outputDir: outcome.outputDir,
    context: { logger, env: process.env, now: new Date(), retry: FAST },
  });
  expect(failedSinks(result)).toBe(true);
  expect(spooledFiles(result)).toHaveLength(1);
  expect(logger.at('warning')[0]).toMatch(
    /^SQS: 3 message\(s\) not delivered \(.*\); kept in .*undelivered\/sqs-.*\.json — send them again with: vulngate forward --from /,
  );
  expect(outcome.results.verdict).toBe('fail');
  // What to send, never where: the replaying job names the queue.
  expect(readFileSync(spooledFiles(result)[0]!, 'utf8')).not.toContain(queue);

  lab.heal();
  const replayEnv = { ...AWS, PATH: process.env.PATH, VULNGATE_SQS_QUEUE_URL: queue };
  const replay = await cliInProcess(['forward', '--from', outcome.outputDir], { env: replayEnv });
  expect(replay.stdout).toBe('Everything was delivered.\n');
  expect(replay.code).toBe(0);
  const received = await lab.drain('later');
  expect(received).toHaveLength(3);
  expect(received.every((m) => m.attributes.team === 'payments')).toBe(true);
  expect(readdirSync(path.join(outcome.outputDir, 'undelivered')).filter((f) => f.endsWith('.json'))).toEqual([]);

  const again = await cliInProcess(['forward', '--from', outcome.outputDir], { env: replayEnv });
  expect(again.code).toBe(0);
  expect(await lab.drain('later')).toHaveLength(0);
});

test('forward-failure: fail turns a passing gate into exit 4; warn (default) keeps it 0; files are written either way', async () => {
  const queue = lab.queueUrl('no-such-queue');
  const common = ['evaluate', '--report', reportPath('alpine-310'), '--profiles-dir', tmp(), '--sqs-queue-url', queue];
  const env = { ...AWS, PATH: process.env.PATH };
  const out1 = tmp();
  const warn = await cliInProcess([...common, '--output-dir', out1], { env });
  expect(warn.code).toBe(0);
  expect(warn.stderr).toMatch(/warning: SQS: 5 message\(s\) not delivered \(.*QueueDoesNotExist|does not exist/);
  expect(existsSync(path.join(out1, 'undelivered'))).toBe(true);
  const out2 = tmp();
  const fail = await cliInProcess([...common, '--output-dir', out2, '--forward-failure', 'fail'], { env });
  expect(fail.code).toBe(4);
  expect(JSON.parse(readFileSync(path.join(out2, 'vulngate-results.json'), 'utf8')).verdict).toBe('pass');
});

test('bad forwarding inputs are configuration errors: exit 2, nothing scanned', async () => {
  expect.hasAssertions();
  const cases: [string[], string][] = [
    [['--sqs-queue-url', 'not a url'], "vulngate: --sqs-queue-url: 'not a url' is not a URL"],
    [
      ['--sqs-queue-url', 'https://sqs.eu-west-1.amazonaws.com/1/q', '--sqs-message-attributes', 'type=x'],
      "vulngate: --sqs-message-attributes: 'type' is set by vulngate; choose another name",
    ],
    [
      ['--sqs-queue-url', 'https://sqs.eu-west-1.amazonaws.com/1/q', '--sqs-message-attributes', '{"a":'],
      'vulngate: --sqs-message-attributes: not valid JSON; give a JSON object or name=value lines',
    ],
    [['--forward-failure', 'explode'], "vulngate: --forward-failure: 'explode' is not allowed; allowed: warn, fail"],
  ];
  for (const [flags, message] of cases) {
    const run = await cliInProcess(['evaluate', '--report', reportPath('alpine-310'), '--output-dir', tmp(), ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(message);
  }
});
