import type { GateResults } from '../core/results.js';
import type { Logger } from '../core/logger.js';
import { renderPrComment } from '../render/pr-comment.js';
import { API_VERSION_HEADERS, type Octokit } from './code-scanning.js';
import { httpStatus, retry, type RetryPolicy } from '../lib/retry.js';
import type { DeliveryOutcome } from './outcome.js';
import { describeError } from '../core/errors.js';

export interface PrCommentSinkArgs {
  octokit: Octokit;
  owner: string;
  repo: string;
  pullNumber: number;
  marker: string;
  results: GateResults;
  detailsUrl?: string;
  retry: RetryPolicy;
  logger: Logger;
}

/** Finds this job's comment by its marker and updates it in place, or creates it. Never throws. */
export async function publishPrComment(args: PrCommentSinkArgs): Promise<DeliveryOutcome> {
  const { octokit, owner, repo, pullNumber, marker, logger } = args;
  try {
    const comments = await retry(args.retry, () =>
      octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: pullNumber,
        per_page: 100,
        headers: API_VERSION_HEADERS,
      }),
    );
    const existing = comments.find((c) => typeof c.body === 'string' && c.body.includes(marker));
    const body = renderPrComment({
      results: args.results,
      marker,
      previousBody: existing?.body ?? undefined,
      detailsUrl: args.detailsUrl,
    });
    if (existing) {
      const { data } = await retry(args.retry, () =>
        octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
          owner,
          repo,
          comment_id: existing.id,
          body,
          headers: API_VERSION_HEADERS,
        }),
      );
      return {
        sink: 'pr-comment',
        status: 'delivered',
        url: data.html_url,
        message: 'Updated the pull-request comment',
      };
    }
    const { data } = await retry(args.retry, () =>
      octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner,
        repo,
        issue_number: pullNumber,
        body,
        headers: API_VERSION_HEADERS,
      }),
    );
    return { sink: 'pr-comment', status: 'delivered', url: data.html_url, message: 'Commented on the pull request' };
  } catch (err) {
    const status = httpStatus(err);
    const message =
      status === 403
        ? 'Skipped the pull-request comment: the token may not write to pull requests (give the job ' +
          '`permissions: pull-requests: write`, or set comment-on-pr: false)'
        : `Skipped the pull-request comment: ${status ? `${status} ` : ''}${describeError(err)}`;
    logger.notice(message);
    return { sink: 'pr-comment', status: 'skipped', message };
  }
}
