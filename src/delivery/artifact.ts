import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DeliveryOutcome } from './outcome.js';

/** The upload itself; the action gives it @actions/artifact. */
export interface ArtifactUploader {
  upload(args: {
    name: string;
    files: string[];
    rootDirectory: string;
    retentionDays: number;
  }): Promise<{ id?: number }>;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/**
 * Uploads everything in the output directory: results, summary, SARIF, GitLab report, raw Trivy reports. Never
 * throws.
 */
export async function uploadAuditArtifact(args: {
  uploader: ArtifactUploader;
  name: string;
  outputDir: string;
  retentionDays: number;
  logger: Logger;
  /** The workflow run's page; the artifact's URL is under it. */
  runUrl?: string;
}): Promise<DeliveryOutcome> {
  try {
    const files = await listFiles(args.outputDir);
    const { id } = await args.uploader.upload({
      name: args.name,
      files,
      rootDirectory: path.resolve(args.outputDir),
      retentionDays: args.retentionDays,
    });
    const message =
      `Uploaded the audit artifact '${args.name}' (${files.length} files, kept ` + `${args.retentionDays} days)`;
    args.logger.info(message);
    const url = id !== undefined && args.runUrl ? `${args.runUrl}/artifacts/${id}` : undefined;
    return { receiver: 'artifact', status: 'delivered', url, message };
  } catch (err) {
    const message = `Could not upload the audit artifact '${args.name}': ${describeError(err)}`;
    args.logger.warning(message);
    return { receiver: 'artifact', status: 'failed', message };
  }
}
