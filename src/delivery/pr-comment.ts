import type { GateResults } from '../core/results.js';
import type { Logger } from '../core/logger.js';
import { renderPrComment } from '../render/pr-comment.js';
import { isAuthor, type GitHubApi } from '../lib/github-api.js';
import { httpStatus } from '../lib/retry.js';
import type { DeliveryOutcome } from './outcome.js';
import { describeError } from '../core/errors.js';

export interface PrCommentArgs {
  api: GitHubApi;
  owner: string;
  repo: string;
  pullNumber: number;
  marker: string;
  results: GateResults;
  detailsUrl?: string;
  logger: Logger;
}

/** A pull request with more than 10,000 comments is read that far. */
const MAX_PAGES = 100;

/** Finds this job's comment by its marker and updates it in place, or creates it. Never throws. */
export async function deliverPrComment(args: PrCommentArgs): Promise<DeliveryOutcome> {
  const { api, owner, repo, pullNumber, marker, logger } = args;
  try {
    const login = await api.viewerLogin();
    const comments = (await api.paginate(`/repos/${owner}/${repo}/issues/${pullNumber}/comments?per_page=100`, {
      maxPages: MAX_PAGES,
    })) as { id: number; body?: string | null; user?: unknown }[];
    // Anyone may quote the marker in a comment: only the token's own comment, starting with it, is this job's.
    const quotes = comments.filter((c) => typeof c.body === 'string' && c.body.includes(marker));
    const existing = quotes.find((c) => c.body?.startsWith(marker) && isAuthor(c.user, login));
    const others = quotes.filter((c) => c !== existing).length;
    if (others > 0) {
      logger.warning(
        `${others} comment(s) on the pull request carry this job's marker but are not ${login}'s: left alone`,
      );
    }
    const body = renderPrComment({
      results: args.results,
      marker,
      previousBody: existing?.body ?? undefined,
      detailsUrl: args.detailsUrl,
    });
    // Updated in place when this job commented before, so a pull request keeps one comment per job.
    const [method, where, said] = existing
      ? ['PATCH', `comments/${existing.id}`, 'Updated the pull-request comment']
      : ['POST', `${pullNumber}/comments`, 'Commented on the pull request'];
    const data = (await api.request(method, `/repos/${owner}/${repo}/issues/${where}`, { json: { body } })) as {
      html_url?: string;
    };
    return { receiver: 'pr-comment', status: 'delivered', url: data.html_url, message: said };
  } catch (err) {
    const status = httpStatus(err);
    const message =
      status === 403
        ? 'Skipped the pull-request comment: the token may not write to pull requests (give the job ' +
          '`permissions: pull-requests: write`, or set comment-on-pr: false)'
        : `Skipped the pull-request comment: ${status ? `${status} ` : ''}${describeError(err)}`;
    logger.notice(message);
    return { receiver: 'pr-comment', status: 'skipped', message };
  }
}
