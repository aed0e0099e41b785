import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubRun } from '../config/ci-context.js';
import type { GitHubDeliveryOptions } from '../config/settings.js';
import type { Logger } from '../core/logger.js';
import type { GateResults } from '../core/results.js';
import { gitHubApi } from '../lib/github-api.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../lib/retry.js';
import { commentMarker, jobKey } from '../render/pr-comment.js';
import { auditArtifactName, uploadAuditArtifact, type ArtifactUploader } from './artifact.js';
import { uploadToCodeScanning } from './code-scanning.js';
import type { DeliveryOutcome } from './outcome.js';
import { deliverPrComment } from './pr-comment.js';

export interface GitHubTiming {
  retry: RetryPolicy;
  pollDelaysMs: number[];
  /** Per request: a SARIF upload of several MB included. */
  timeoutMs?: number;
}

/** About 2 minutes of polling in all; code scanning usually finishes well within it. */
export const DEFAULT_TIMING: GitHubTiming = {
  retry: DEFAULT_RETRY,
  pollDelaysMs: [2000, 4000, 8000, 16000, 30000, 60000],
  timeoutMs: 120_000,
};

export interface GitHubDeliveryArgs {
  results: GateResults;
  sarifFile: string;
  outputDir: string;
  options: GitHubDeliveryOptions;
  run: GitHubRun | undefined;
  /** The run's page: links to the artifact and from the comment. */
  runUrl: string | undefined;
  uploader: ArtifactUploader;
  logger: Logger;
  timing: GitHubTiming;
}

function skipped(receiver: string, message: string, logger: Logger): DeliveryOutcome {
  logger.notice(message);
  return { receiver, status: 'skipped', message };
}

/**
 * SARIF to code scanning, the audit artifact, the PR comment: each may fail without hiding the verdict or the others.
 */
export async function deliverToGitHub(args: GitHubDeliveryArgs): Promise<DeliveryOutcome[]> {
  const { results, options, run, logger, timing } = args;
  const outcomes: DeliveryOutcome[] = [];
  // Stable names: a new image tag each push still finds the same comment and names the same artifact.
  const targets = results.images.map((i) => i.stableName);
  const key = jobKey({ workflow: run?.workflow ?? '', job: run?.job ?? '', images: targets });
  const api =
    options.githubToken && run
      ? gitHubApi({
          apiUrl: run.apiUrl,
          token: options.githubToken,
          retry: timing.retry,
          timeoutMs: timing.timeoutMs ?? 120_000,
        })
      : undefined;

  if (options.uploadSarif) {
    if (!run || !api) {
      outcomes.push(
        skipped(
          'code-scanning',
          'Skipped the code-scanning upload: no GitHub repository or token in this environment',
          logger,
        ),
      );
    } else if (run.pullRequest?.fromFork) {
      const why =
        'Skipped the code-scanning upload: pull requests from forks get a read-only token; the SARIF is in ' +
        'the artifact';
      outcomes.push(skipped('code-scanning', why, logger));
    } else {
      const query = `tool%3Avulngate+ref%3A${encodeURIComponent(run.ref)}`;
      outcomes.push(
        await uploadToCodeScanning({
          api,
          owner: run.owner,
          repo: run.repo,
          commitSha: run.sha,
          ref: run.ref,
          sarifText: await readFile(args.sarifFile, 'utf8'),
          pollDelaysMs: timing.pollDelaysMs,
          logger,
          viewUrl: `${run.serverUrl}/${run.owner}/${run.repo}/security/code-scanning?query=${query}`,
        }),
      );
    }
  }

  let artifactUrl: string | undefined;
  if (options.uploadArtifact) {
    const uploaded = await uploadAuditArtifact({
      uploader: args.uploader,
      name: auditArtifactName({ name: options.artifactName, run, targets }),
      outputDir: path.resolve(args.outputDir),
      retentionDays: options.artifactRetentionDays,
      logger,
      runUrl: args.runUrl,
    });
    artifactUrl = uploaded.url;
    outcomes.push(uploaded);
  }

  if (options.commentOnPr && run?.pullRequest) {
    if (run.pullRequest.fromFork) {
      outcomes.push(
        skipped(
          'pr-comment',
          'Skipped the pull-request comment: pull requests from forks get a read-only token',
          logger,
        ),
      );
    } else if (api) {
      outcomes.push(
        await deliverPrComment({
          api,
          owner: run.owner,
          repo: run.repo,
          pullNumber: run.pullRequest.number,
          marker: commentMarker(key),
          results,
          detailsUrl: artifactUrl ?? args.runUrl,
          logger,
        }),
      );
    }
  }
  return outcomes;
}

const LINK_TEXT: Record<string, string> = {
  artifact: 'Audit artifact (reports, results, SARIF, GitLab report)',
  'code-scanning': 'Code scanning',
  'pr-comment': 'Pull-request comment',
};

/** Lines for the job summary, for the receivers that gave a link; artifact first, as before. */
export function linksMarkdown(outcomes: DeliveryOutcome[]): string[] {
  return Object.entries(LINK_TEXT).flatMap(([receiver, text]) => {
    const found = outcomes.find((o) => o.receiver === receiver && o.status === 'delivered' && o.url);
    return found ? [`${text}: ${found.url}`] : [];
  });
}
