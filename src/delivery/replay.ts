import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SqsOptions } from '../config/settings.js';
import type { DefectDojoUpload } from './defectdojo.js';
import { forwardDefectDojo, forwardSqs, type ForwardContext } from './forward.js';
import { deliverIssues, deliverSlack, type TrackerCredentials } from './notify.js';
import type { DeliveryOutcome } from './outcome.js';
import { readUndelivered, removeUndelivered, spoolPath } from './spool.js';

export interface ReplayOverrides {
  queueUrl?: string;
  region?: string;
  defectDojoUrl?: string;
  defectDojoToken?: string;
}

/** `vulngate forward --from out/`: sends what an earlier run could not; delivered files are removed. */
export async function replayUndelivered(args: {
  fromDir: string;
  overrides: ReplayOverrides;
  context: ForwardContext;
  /** Slack's webhook URL is read again from the variable the entry names. */
  env?: NodeJS.ProcessEnv;
  credentials?: TrackerCredentials;
}): Promise<DeliveryOutcome[]> {
  const { context, overrides } = args;
  const { entries: stored, bad } = await readUndelivered(args.fromDir);
  const outcomes: DeliveryOutcome[] = [];
  for (const entry of bad) {
    const message = `${entry.file}: skipped, ${entry.reason}; it is left in place`;
    context.logger.error(message);
    const sink =
      (['sqs', 'slack', 'issues'] as const).find((s) => path.basename(entry.file).startsWith(`${s}-`)) ?? 'defectdojo';
    outcomes.push({ sink, status: 'failed', message, spooled: entry.file });
  }
  if (stored.length === 0 && bad.length === 0) {
    context.logger.info(`Nothing to send: no undelivered files in ${path.join(args.fromDir, 'undelivered')}`);
  }
  for (const item of stored) {
    const { entry } = item;
    const id = path.basename(item.file, '.json').replace(/^(sqs|defectdojo|slack|issues)-/, '');
    let outcome: DeliveryOutcome;
    if (entry.sink === 'sqs') {
      const sqs: SqsOptions = {
        queueUrl: overrides.queueUrl ?? entry.queueUrl,
        region: overrides.region,
        userAttributes: {},
      };
      context.logger.info(`Sending ${entry.messages.length} undelivered SQS message(s) from ${item.file}`);
      outcome = await forwardSqs({ sqs, messages: entry.messages, outputDir: args.fromDir, id, context });
    } else if (entry.sink === 'slack') {
      context.logger.info(`Sending the undelivered Slack message from ${item.file}`);
      const env = args.env ?? {};
      outcome = await deliverSlack({
        webhookEnv: entry.webhookEnv,
        payload: entry.payload,
        env,
        outputDir: args.fromDir,
        id,
        context,
      });
      if (outcome.status === 'skipped') outcome = { ...outcome, status: 'failed', spooled: item.file };
    } else if (entry.sink === 'issues') {
      context.logger.info(`Syncing the undelivered ${entry.sync.issues.provider} issues from ${item.file}`);
      const credentials = args.credentials ?? {};
      outcome = await deliverIssues({ stored: entry.sync, credentials, outputDir: args.fromDir, id, context });
      if (outcome.status === 'skipped') outcome = { ...outcome, status: 'failed', spooled: item.file };
    } else {
      const token = overrides.defectDojoToken ?? '';
      if (token === '') {
        const message = `${item.file}: a DefectDojo token is needed to send it (VULNGATE_DEFECTDOJO_TOKEN)`;
        context.logger.error(message);
        outcomes.push({ sink: 'defectdojo', status: 'failed', message, spooled: item.file });
        continue;
      }
      const uploads: DefectDojoUpload[] = [];
      for (const upload of entry.uploads) {
        uploads.push({
          image: upload.image,
          ...(typeof upload.identity === 'string' ? { identity: upload.identity } : {}),
          kind: upload.kind === 'fs' || upload.kind === 'sbom' ? upload.kind : 'image',
          // Checked when the spool was read: inside the spool directory.
          reportText: await readFile(spoolPath(path.dirname(item.file), upload.reportFile) ?? '', 'utf8'),
        });
      }
      const storedSettings = { ...entry.settings, url: overrides.defectDojoUrl ?? entry.settings.url };
      context.logger.info(`Sending ${uploads.length} undelivered DefectDojo import(s) from ${item.file}`);
      outcome = await forwardDefectDojo({
        stored: storedSettings,
        token,
        uploads,
        outputDir: args.fromDir,
        id,
        context,
      });
    }
    // Sent first, removed after: what is still undelivered was written back under the same name.
    if (outcome.status !== 'failed') await removeUndelivered(item);
    outcomes.push(outcome);
  }
  return outcomes;
}
