// The receiver registry's contract: what each receiver plans, the spool keeps and reads back as it was; what the
// spool names is only what to send, never where or with what; a tampered entry is refused and reported under the
// receiver its file is for.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readCiContext } from '../../src/config/ci-context.js';
import type { DeliveryOptions } from '../../src/config/settings.js';
import type { NotifyConfig } from '../../src/core/notify.js';
import type { Destinations, RunDelivery } from '../../src/delivery/receiver.js';
import { RECEIVERS } from '../../src/delivery/receivers/index.js';
import { replayUndelivered } from '../../src/delivery/replay.js';
import { readSpool, spoolDir, writeEntry } from '../../src/delivery/spool.js';
import { finding, imageReport } from '../../test/support/findings.ts';
import { recordingLogger } from '../../test/support/logger.ts';
import { outcomeFor } from '../../test/support/outcome.ts';

const SECRETS = {
  queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/findings',
  dojoUrl: 'https://dojo.example.com',
  dojoToken: 'dd-token-1234567890',
  githubToken: 'ghs_issue_token_123',
  esUrl: 'https://es.internal.example:9243',
  esApiKey: 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6c2VjcmV0',
};

const options: DeliveryOptions = {
  sqs: { queueUrl: SECRETS.queueUrl, userAttributes: { team: 'payments' } },
  defectDojo: {
    url: SECRETS.dojoUrl,
    token: SECRETS.dojoToken,
    productType: 'acme',
    product: 'acme/shop',
    engagement: 'main',
    closeOldFindings: false,
    tags: [],
  },
  elasticsearch: { url: SECRETS.esUrl, index: 'vulngate-findings', apiKey: SECRETS.esApiKey },
  failure: 'warn',
  trackers: { githubToken: SECRETS.githubToken },
};
const notify: NotifyConfig = {
  slack: { webhookEnv: 'SLACK_HOOK', on: ['fail'] },
  issues: { provider: 'github', on: ['blocking'], labels: [], assignees: [], anyBranch: true },
};
const context = () => ({ logger: recordingLogger(), env: {}, now: new Date('2026-12-03T10:00:00Z') });

/** Every receiver's entry for one failing run, written to the spool as a run writes it ahead of sending. */
async function spoolOfEveryReceiver(): Promise<string> {
  const outcome = outcomeFor([imageReport([finding({ severity: 'CRITICAL' })], 'shop/api:1')]);
  const run: RunDelivery = {
    ...outcome,
    options,
    notify,
    ci: readCiContext({}),
    scanId: '0123456789abcdef',
    spoolId: 'run-1',
  };
  const spool = spoolDir(outcome.outputDir);
  for (const receiver of RECEIVERS) {
    const planned = await receiver.plan(run, context());
    if (!planned) throw new Error(`${receiver.name} planned nothing for a failing run`);
    await writeEntry(spool, run.spoolId, planned);
  }
  return outcome.outputDir;
}

test('one name per receiver, each a valid spool file prefix', () => {
  expect.hasAssertions();
  const names = RECEIVERS.map((r) => r.name);
  expect(new Set(names).size).toBe(names.length);
  for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9]*$/);
});

test('what every receiver plans, the spool keeps and reads back as its own', async () => {
  const out = await spoolOfEveryReceiver();
  const { entries, bad } = await readSpool(out, RECEIVERS);
  expect(bad).toEqual([]);
  expect(entries.map((e) => [e.receiver.name, e.id])).toEqual([
    ['defectdojo', 'run-1'],
    ['elasticsearch', 'run-1'],
    ['issues', 'run-1'],
    ['slack', 'run-1'],
    ['sqs', 'run-1'],
  ]);
});

test('the spool says what to send, never where to or with what credentials', async () => {
  const out = await spoolOfEveryReceiver();
  const dir = path.join(out, 'undelivered');
  const texts = (readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.json'))
    .map((name) => readFileSync(path.join(dir, name), 'utf8'));
  expect.hasAssertions();
  for (const secret of Object.values(SECRETS)) expect(texts.join('\n')).not.toContain(secret);
  // Nor which variable holds the webhook, which tracker or project, which DefectDojo product: the sending job's.
  for (const where of ['SLACK_HOOK', 'webhookEnv', '"provider"', 'acme/shop', 'productType', 'closeOldFindings'])
    expect(texts.join('\n')).not.toContain(where);
});

test.each([
  ['sqs', (e: Record<string, unknown>) => ({ ...e, queueUrl: 'https://evil.example/q' }), 'queueUrl'],
  [
    'defectdojo',
    (e: Record<string, unknown>) => ({ ...e, settings: { ...(e.settings as object), url: 'https://evil.example' } }),
    'settings.url',
  ],
  ['slack', (e: Record<string, unknown>) => ({ ...e, url: 'https://evil.example/hook' }), 'url'],
  ['elasticsearch', (e: Record<string, unknown>) => ({ ...e, url: 'https://evil.example', index: 'x' }), 'url, index'],
  ['slack', (e: Record<string, unknown>) => ({ ...e, webhookEnv: 'OTHER_TEAMS_HOOK' }), 'webhookEnv'],
  ['slack', (e: Record<string, unknown>) => ({ ...e, payload: { text: '<!channel>' } }), 'payload'],
  [
    'issues',
    (e: Record<string, unknown>) => ({
      ...e,
      sync: { ...(e.sync as object), issues: { provider: 'gitlab', project: 'other/project' } },
    }),
    'sync.issues',
  ],
  [
    'defectdojo',
    (e: Record<string, unknown>) => ({
      ...e,
      settings: { ...(e.settings as object), product: 'other-team/payments', closeOldFindings: true },
    }),
    'settings.product, settings.closeOldFindings',
  ],
  [
    'issues',
    (e: Record<string, unknown>) => ({
      ...e,
      sync: { ...(e.sync as object), where: { apiUrl: 'https://evil.example' } },
    }),
    'sync.where',
  ],
])(
  'a %s entry naming a destination is refused at replay, and reported as that receiver’s',
  async (name, tamper, key) => {
    const out = await spoolOfEveryReceiver();
    const file = path.join(out, 'undelivered', `${name}-run-1.json`);
    writeFileSync(file, JSON.stringify(tamper(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)));
    const { bad } = await readSpool(out, RECEIVERS);
    expect(bad).toEqual([
      {
        file,
        receiver: name,
        reason:
          `it names more than what to send (${key}): at replay, where to send it and with what credentials come ` +
          `from this job's settings only`,
      },
    ]);
  },
);

test('an unreadable entry is reported under the receiver its file name says, and left in place', async () => {
  const out = await spoolOfEveryReceiver();
  writeFileSync(path.join(out, 'undelivered', 'slack-run-1.json'), '{not json');
  writeFileSync(path.join(out, 'undelivered', 'issues-run-1.json'), JSON.stringify({ version: 1, sink: 'sqs' }));
  writeFileSync(path.join(out, 'undelivered', 'teams-run-1.json'), '{}');
  // Nothing configured in this job: the good entries stay too, each said once.
  const to: Destinations = { trackers: {}, ci: readCiContext({}), env: {} };
  const outcomes = await replayUndelivered({
    fromDir: out,
    to,
    context: context(),
    notify: () => Promise.resolve(undefined),
  });
  expect(outcomes.map((o) => [o.receiver, o.status])).toEqual([
    ['issues', 'failed'],
    ['slack', 'failed'],
    ['defectdojo', 'failed'],
    ['elasticsearch', 'failed'],
    ['sqs', 'failed'],
  ]);
  expect(outcomes[0]!.message).toMatch(/issues-run-1\.json: skipped, its file name says issues, the entry does not/);
  expect(outcomes[1]!.message).toMatch(/slack-run-1\.json: skipped, not readable JSON/);
  expect(readdirSync(path.join(out, 'undelivered')).filter((n) => n.endsWith('.json'))).toHaveLength(6);
});
