import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CiContext } from '../config/ci-context.js';
import type { DefectDojoOptions, ForwardOptions, SqsOptions } from '../config/settings.js';
import type { ImageReport, JudgedFinding } from '../core/finding.js';
import type { Logger } from '../core/logger.js';
import type { GateResults } from '../core/results.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../lib/retry.js';
import { importToDefectDojo, withExceptions, type DefectDojoSettings, type DefectDojoUpload } from './defectdojo.js';
import { buildMessages, type ForwardMessage } from './messages.js';
import type { DeliveryOutcome } from './outcome.js';
import { writeUndelivered, type StoredDefectDojoSettings, type UndeliveredEntry } from './spool.js';

export interface ForwardContext {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  now: Date;
  retry?: RetryPolicy;
  /** Per-request timeout for DefectDojo. */
  timeoutMs?: number;
}

export interface ForwardArgs {
  results: GateResults;
  /** Trivy's reports as read, for DefectDojo's import. */
  reports: ImageReport[];
  options: ForwardOptions;
  ci: CiContext;
  outputDir: string;
  context: ForwardContext;
}

/** Sends the run's findings to SQS and DefectDojo. Each forwarder is on its own: one failing never stops another. */
export async function forwardResults(args: ForwardArgs): Promise<DeliveryOutcome[]> {
  const { results, options, ci, outputDir, context } = args;
  const outcomes: DeliveryOutcome[] = [];
  if (!options.sqs && !options.defectDojo) return outcomes;
  const scanId = randomUUID();
  const id = spoolId(context.now, scanId);
  if (options.sqs) {
    const messages = buildMessages({ identity: { scanId, timestamp: context.now.toISOString(), ci }, results });
    outcomes.push(await forwardSqs({ sqs: options.sqs, messages, outputDir, id, context }));
  }
  if (options.defectDojo) {
    // Excepted findings grouped once, not filtered again for every image.
    const excepted = new Map<string, JudgedFinding[]>();
    for (const f of results.findings) {
      if (f.decision !== 'excepted') continue;
      const list = excepted.get(f.image);
      if (list) list.push(f);
      else excepted.set(f.image, [f]);
    }
    const uploads: DefectDojoUpload[] = [];
    const identities = new Map(results.images.map((i) => [i.name, i.stableName]));
    for (const report of args.reports)
      uploads.push({
        image: report.image,
        identity: identities.get(report.image) ?? report.image,
        kind: report.kind,
        reportText: withExceptions(await readFile(report.reportPath, 'utf8'), excepted.get(report.image) ?? []),
      });
    const stored: StoredDefectDojoSettings = {
      ...withoutToken(options.defectDojo),
      scanDate: context.now.toISOString().slice(0, 10),
    };
    outcomes.push(
      await forwardDefectDojo({ stored, token: options.defectDojo.token, uploads, outputDir, id, context }),
    );
  }
  return outcomes;
}

/** Names a run's spool files: sortable by time, unique per run. */
export function spoolId(now: Date, scanId: string = randomUUID()): string {
  return `${now.toISOString().replace(/[:.]/g, '-')}-${scanId.slice(0, 8)}`;
}

function withoutToken(options: DefectDojoOptions): Omit<DefectDojoOptions, 'token'> {
  const { token: _token, ...rest } = options;
  return rest;
}

export interface SqsForward {
  sqs: SqsOptions;
  messages: ForwardMessage[];
  outputDir: string;
  id: string;
  context: ForwardContext;
}

function sqsEntry(sqs: SqsOptions, messages: ForwardMessage[], createdAt: string, reasons: string[]): UndeliveredEntry {
  return {
    version: 1,
    sink: 'sqs',
    queueUrl: sqs.queueUrl,
    createdAt,
    reasons,
    // With the user's attributes merged in, so a replay sends exactly what this run meant to.
    messages: messages.map((m) => ({ ...m, attributes: { ...m.attributes, ...sqs.userAttributes } })),
  };
}

/**
 * Written ahead: every message is in the spool before the first is sent, and leaves it only once SQS confirmed it.
 * A job cancelled mid-send (SIGTERM) leaves what was not confirmed in the spool.
 */
export async function forwardSqs(args: SqsForward): Promise<DeliveryOutcome> {
  const { sqs, messages, context } = args;
  const createdAt = context.now.toISOString();
  const spool = { outputDir: args.outputDir, id: args.id };
  const file = await writeUndelivered({ ...spool, entry: sqsEntry(sqs, messages, createdAt, ['not sent yet']) });
  // Loaded only when a queue is configured: the AWS SDK is most of the CLI's start-up time otherwise.
  const { sendToSqs } = await import('./sqs.js');
  const delivery = await sendToSqs({
    settings: {
      queueUrl: sqs.queueUrl,
      region: sqs.region,
      userAttributes: sqs.userAttributes,
      retry: context.retry ?? DEFAULT_RETRY,
    },
    messages,
    logger: context.logger,
    env: context.env,
  });
  const shortened = delivery.shortened > 0 ? ` (${delivery.shortened} shortened to fit the queue's size limit)` : '';
  const message = `SQS: delivered ${delivery.delivered} of ${messages.length} messages to ${sqs.queueUrl}${shortened}`;
  context.logger.info(message);
  if (delivery.undelivered.length === 0) {
    await rm(file, { force: true });
    return { sink: 'sqs', status: 'delivered', message };
  }
  const reasons = [...new Set(delivery.undelivered.map((u) => u.reason))];
  const left = delivery.undelivered.map((u) => u.message);
  await writeUndelivered({ ...spool, entry: sqsEntry(sqs, left, createdAt, reasons) });
  const failed =
    `SQS: ${delivery.undelivered.length} message(s) not delivered (${reasons[0]}); kept in ` +
    `${file} — send them again with: vulngate forward --from ${args.outputDir}`;
  context.logger.warning(failed);
  return { sink: 'sqs', status: 'failed', message: failed, spooled: file };
}

export interface DefectDojoForward {
  stored: StoredDefectDojoSettings;
  token: string;
  uploads: DefectDojoUpload[];
  outputDir: string;
  id: string;
  context: ForwardContext;
}

/** Written ahead, as for SQS: every import is in the spool before the first is sent, and leaves it when confirmed. */
export async function forwardDefectDojo(args: DefectDojoForward): Promise<DeliveryOutcome> {
  const { stored, context } = args;
  const settings: DefectDojoSettings = {
    ...stored,
    token: args.token,
    retry: context.retry ?? DEFAULT_RETRY,
    timeoutMs: context.timeoutMs ?? 120_000,
  };
  const reports = args.uploads.map((u, i) => ({
    reportFile: `defectdojo-${args.id}/${String(i + 1).padStart(3, '0')}.json`,
    text: u.reportText,
    image: u.image,
    identity: u.identity,
    kind: u.kind,
  }));
  const entry = (kept: typeof reports, reasons: string[]): UndeliveredEntry => ({
    version: 1,
    sink: 'defectdojo',
    createdAt: context.now.toISOString(),
    reasons,
    settings: stored,
    uploads: kept.map((r) => ({ image: r.image, identity: r.identity, kind: r.kind, reportFile: r.reportFile })),
  });
  const spool = { outputDir: args.outputDir, id: args.id };
  const file = await writeUndelivered({ ...spool, entry: entry(reports, ['not sent yet']), reports });
  const delivery = await importToDefectDojo({ settings, uploads: args.uploads, logger: context.logger });
  const failed = new Set(delivery.undelivered.map((u) => args.uploads.indexOf(u.upload)));
  for (const [i, report] of reports.entries()) {
    if (!failed.has(i)) await rm(path.join(path.dirname(file), report.reportFile), { force: true });
  }
  if (delivery.undelivered.length === 0) {
    await rm(file, { force: true });
    await rm(path.join(path.dirname(file), `defectdojo-${args.id}`), { recursive: true, force: true });
    const message = `DefectDojo: imported ${delivery.delivered.length} report(s)`;
    return { sink: 'defectdojo', status: 'delivered', message };
  }
  // One line per cause, naming the images it stopped: a bad token is one line, not one per image.
  const byCause = new Map<string, string[]>();
  for (const u of delivery.undelivered) byCause.set(u.reason, [...(byCause.get(u.reason) ?? []), u.upload.image]);
  for (const [cause, images] of byCause) context.logger.warning(`DefectDojo: ${cause} (${images.join(', ')})`);
  await writeUndelivered({
    ...spool,
    entry: entry(
      reports.filter((_, i) => failed.has(i)),
      [...byCause.keys()],
    ),
  });
  const message =
    `DefectDojo: ${delivery.undelivered.length} import(s) not delivered; kept in ${file} — send ` +
    `them again with: vulngate forward --from ${args.outputDir}`;
  context.logger.warning(message);
  return { sink: 'defectdojo', status: 'failed', message, spooled: file };
}
