import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CiContext } from '../config/ci-context.js';
import type { DefectDojoOptions, ForwardOptions, SqsOptions } from '../config/forward-options.js';
import type { Logger } from '../core/logger.js';
import type { GateOutcome } from '../pipeline.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../sinks/retry.js';
import { importToDefectDojo, type DefectDojoSettings, type DefectDojoUpload } from './defectdojo.js';
import { buildMessages, type ForwardMessage } from './messages.js';
import { readUndelivered, removeUndelivered, writeUndelivered, type StoredDefectDojoSettings } from './undelivered.js';

export interface ForwardOutcome {
  /** Something was not delivered after retries. */
  failed: boolean;
  undeliveredFiles: string[];
}

export interface ForwardContext {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  now: Date;
  retry?: RetryPolicy;
  /** Per-request timeout for DefectDojo. */
  timeoutMs?: number;
}

/** Sends the run's findings to SQS and DefectDojo. Each forwarder is on its own: one failing never stops another. */
export async function forwardResults(args: { outcome: GateOutcome; options: ForwardOptions; ci: CiContext; outputDir: string; context: ForwardContext }): Promise<ForwardOutcome> {
  const { outcome, options, ci, outputDir, context } = args;
  const result: ForwardOutcome = { failed: false, undeliveredFiles: [] };
  if (!options.sqs && !options.defectDojo) return result;
  const scanId = randomUUID();
  const id = `${context.now.toISOString().replace(/[:.]/g, '-')}-${scanId.slice(0, 8)}`;
  if (options.sqs) {
    const messages = buildMessages({ identity: { scanId, timestamp: context.now.toISOString(), ci }, results: outcome.results, findings: outcome.findings });
    const file = await forwardSqs({ sqs: options.sqs, messages, outputDir, id, context });
    if (file) result.undeliveredFiles.push(file);
  }
  if (options.defectDojo) {
    const uploads: DefectDojoUpload[] = [];
    for (const report of outcome.reports) uploads.push({ image: report.image, reportText: await readFile(report.reportPath, 'utf8') });
    const stored: StoredDefectDojoSettings = { ...withoutToken(options.defectDojo), scanDate: context.now.toISOString().slice(0, 10) };
    const file = await forwardDefectDojo({ stored, token: options.defectDojo.token, uploads, outputDir, id, context });
    if (file) result.undeliveredFiles.push(file);
  }
  result.failed = result.undeliveredFiles.length > 0;
  return result;
}

function withoutToken(options: DefectDojoOptions): Omit<DefectDojoOptions, 'token'> {
  const { token: _token, ...rest } = options;
  return rest;
}

async function forwardSqs(args: { sqs: SqsOptions; messages: ForwardMessage[]; outputDir: string; id: string; context: ForwardContext }): Promise<string | undefined> {
  const { sqs, messages, context } = args;
  // Loaded only when a queue is configured: the AWS SDK is most of the CLI's start-up time otherwise.
  const { sendToSqs } = await import('./sqs.js');
  const delivery = await sendToSqs({
    settings: { queueUrl: sqs.queueUrl, region: sqs.region, userAttributes: sqs.userAttributes, retry: context.retry ?? DEFAULT_RETRY },
    messages,
    logger: context.logger,
    env: context.env,
  });
  const shortened = delivery.shortened > 0 ? ` (${delivery.shortened} shortened to fit the queue's size limit)` : '';
  context.logger.info(`SQS: delivered ${delivery.delivered} of ${messages.length} messages to ${sqs.queueUrl}${shortened}`);
  if (delivery.undelivered.length === 0) return undefined;
  const reasons = [...new Set(delivery.undelivered.map((u) => u.reason))];
  const file = await writeUndelivered({
    outputDir: args.outputDir,
    id: args.id,
    entry: {
      version: 1,
      sink: 'sqs',
      queueUrl: sqs.queueUrl,
      createdAt: context.now.toISOString(),
      reasons,
      // With the user's attributes merged in, so a replay sends exactly what this run meant to.
      messages: delivery.undelivered.map((u) => ({ ...u.message, attributes: { ...u.message.attributes, ...sqs.userAttributes } })),
    },
  });
  context.logger.warning(`SQS: ${delivery.undelivered.length} message(s) not delivered (${reasons[0]}); kept in ${file} — send them again with: vulngate forward --from ${args.outputDir}`);
  return file;
}

async function forwardDefectDojo(args: {
  stored: StoredDefectDojoSettings;
  token: string;
  uploads: DefectDojoUpload[];
  outputDir: string;
  id: string;
  context: ForwardContext;
}): Promise<string | undefined> {
  const { stored, context } = args;
  const settings: DefectDojoSettings = { ...stored, token: args.token, retry: context.retry ?? DEFAULT_RETRY, timeoutMs: context.timeoutMs ?? 120_000 };
  const delivery = await importToDefectDojo({ settings, uploads: args.uploads, logger: context.logger });
  if (delivery.undelivered.length === 0) return undefined;
  for (const u of delivery.undelivered) context.logger.warning(u.reason);
  const reports = delivery.undelivered.map((u, i) => ({ reportFile: `defectdojo-${args.id}/${String(i + 1).padStart(3, '0')}.json`, text: u.upload.reportText, image: u.upload.image }));
  const file = await writeUndelivered({
    outputDir: args.outputDir,
    id: args.id,
    entry: {
      version: 1,
      sink: 'defectdojo',
      createdAt: context.now.toISOString(),
      reasons: delivery.undelivered.map((u) => u.reason),
      settings: stored,
      uploads: reports.map((r) => ({ image: r.image, reportFile: r.reportFile })),
    },
    reports,
  });
  context.logger.warning(`DefectDojo: ${delivery.undelivered.length} import(s) not delivered; kept in ${file} — send them again with: vulngate forward --from ${args.outputDir}`);
  return file;
}

export interface ReplayOverrides {
  queueUrl?: string;
  region?: string;
  defectDojoUrl?: string;
  defectDojoToken?: string;
}

/** `vulngate forward --from out/`: sends what an earlier run could not; delivered files are removed. */
export async function replayUndelivered(args: { fromDir: string; overrides: ReplayOverrides; context: ForwardContext }): Promise<ForwardOutcome> {
  const { context, overrides } = args;
  const stored = await readUndelivered(args.fromDir);
  const result: ForwardOutcome = { failed: false, undeliveredFiles: [] };
  if (stored.length === 0) context.logger.info(`Nothing to send: no undelivered files in ${path.join(args.fromDir, 'undelivered')}`);
  for (const item of stored) {
    const { entry } = item;
    const id = path.basename(item.file, '.json').replace(/^(sqs|defectdojo)-/, '');
    let file: string | undefined;
    if (entry.sink === 'sqs') {
      const sqs: SqsOptions = { queueUrl: overrides.queueUrl ?? entry.queueUrl, region: overrides.region, userAttributes: {} };
      context.logger.info(`Sending ${entry.messages.length} undelivered SQS message(s) from ${item.file}`);
      file = await forwardSqs({ sqs, messages: entry.messages, outputDir: args.fromDir, id, context });
    } else {
      const token = overrides.defectDojoToken ?? '';
      if (token === '') {
        context.logger.error(`${item.file}: a DefectDojo token is needed to send it (VULNGATE_DEFECTDOJO_TOKEN)`);
        result.failed = true;
        result.undeliveredFiles.push(item.file);
        continue;
      }
      const uploads: DefectDojoUpload[] = [];
      for (const upload of entry.uploads) uploads.push({ image: upload.image, reportText: await readFile(path.join(path.dirname(item.file), upload.reportFile), 'utf8') });
      const storedSettings = { ...entry.settings, url: overrides.defectDojoUrl ?? entry.settings.url };
      context.logger.info(`Sending ${uploads.length} undelivered DefectDojo import(s) from ${item.file}`);
      file = await forwardDefectDojo({ stored: storedSettings, token, uploads, outputDir: args.fromDir, id, context });
    }
    // Sent first, removed after: what is still undelivered was written back under the same name.
    if (file) result.undeliveredFiles.push(file);
    else await removeUndelivered(item);
  }
  result.failed = result.failed || result.undeliveredFiles.length > 0;
  return result;
}
