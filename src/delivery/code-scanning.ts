import { gzipSync } from 'node:zlib';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { GitHubApi } from '../lib/github-api.js';
import { httpStatus, sleep } from '../lib/retry.js';
import type { DeliveryOutcome } from './outcome.js';

export interface CodeScanningUploadArgs {
  api: GitHubApi;
  owner: string;
  repo: string;
  commitSha: string;
  /** refs/heads/…, or refs/pull/N/merge for pull requests. */
  ref: string;
  sarifText: string;
  /** Delays between processing-status polls; when they run out, a warning. */
  pollDelaysMs: number[];
  logger: Logger;
  /** Shown once GitHub accepted the upload. */
  viewUrl?: string;
}

/** POST /repos/{owner}/{repo}/code-scanning/sarifs, then poll until GitHub has processed it. Never throws. */
export async function uploadToCodeScanning(args: CodeScanningUploadArgs): Promise<DeliveryOutcome> {
  const { api, owner, repo, logger } = args;
  const sarifs = `/repos/${owner}/${repo}/code-scanning/sarifs`;
  let id: string;
  try {
    const answer = (await api.request('POST', sarifs, {
      json: {
        commit_sha: args.commitSha,
        ref: args.ref,
        sarif: gzipSync(args.sarifText).toString('base64'),
        tool_name: 'vulngate',
      },
    })) as { id?: unknown };
    id = String(answer.id);
  } catch (err) {
    const message = refusalMessage(err);
    logger.warning(message);
    return { receiver: 'code-scanning', status: 'failed', message };
  }
  logger.info(`Uploaded SARIF to code scanning (id ${id}); waiting for GitHub to process it`);
  for (const delay of [0, ...args.pollDelaysMs]) {
    await sleep(delay);
    try {
      const data = (await api.request('GET', `${sarifs}/${encodeURIComponent(id)}`)) as {
        processing_status?: string;
        errors?: string[] | null;
      };
      if (data.processing_status === 'complete') {
        return {
          receiver: 'code-scanning',
          status: 'delivered',
          url: args.viewUrl,
          message: 'Code scanning processed the SARIF upload',
        };
      }
      if (data.processing_status === 'failed') {
        const errors = (data.errors ?? []).join('; ');
        const message = `Code scanning could not process the SARIF upload: ${errors || 'no reason given'}`;
        logger.warning(message);
        return { receiver: 'code-scanning', status: 'failed', message };
      }
    } catch (err) {
      if ((httpStatus(err) ?? 500) < 500) {
        const message = `Checking the SARIF upload failed: ${describeError(err)}`;
        logger.warning(message);
        return { receiver: 'code-scanning', status: 'failed', message };
      }
      // 5xx or network: keep polling.
    }
  }
  const message =
    `Code scanning had not finished processing the SARIF upload (id ${id}) when vulngate ` +
    `stopped waiting; it usually appears within minutes`;
  logger.warning(message);
  // Accepted, not yet processed: the alerts appear when GitHub is done.
  return { receiver: 'code-scanning', status: 'delivered', url: args.viewUrl, message };
}

function refusalMessage(err: unknown): string {
  const status = httpStatus(err);
  const detail = describeError(err);
  switch (status) {
    case 403:
      return (
        `Code scanning refused the SARIF upload (403: ${detail}). Enable code scanning for the ` +
        `repository (GitHub Advanced Security on private repositories) and give the job ` +
        `\`permissions: security-events: write\`; or set upload-sarif: false.`
      );
    case 404:
      return (
        `Code scanning upload: repository not found for this token (404). Check github-token and the ` +
        `repository, or set upload-sarif: false.`
      );
    case 413:
      return `Code scanning refused the SARIF upload as too large (413); set sarif-findings: blocking.`;
    case 422:
      return `Code scanning rejected the SARIF upload (422: ${detail}).`;
    default:
      return `Code scanning upload failed${status ? ` (${status})` : ''}: ${detail}`;
  }
}
