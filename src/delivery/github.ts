import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubRun } from '../config/ci-context.js';
import type { GitHubDeliveryOptions } from '../config/settings.js';
import type { Logger } from '../core/logger.js';
import type { GateResults } from '../core/results.js';
import { gitHubApi, type GitHubApi } from '../lib/github-api.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../lib/retry.js';
import { auditArtifactName, jobKey } from '../core/job-identity.js';
import { commentMarker } from '../render/pr-comment.js';
import { uploadAuditArtifact, type ArtifactUploader } from './artifact.js';
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
  const { options, run, timing } = args;
  const api =
    options.githubToken && run
      ? gitHubApi({
          apiUrl: run.apiUrl,
          token: options.githubToken,
          retry: timing.retry,
          timeoutMs: timing.timeoutMs ?? 120_000,
        })
      : undefined;
  // Stable names: a new image tag each push still finds the same comment and names the same artifact.
  const targets = args.results.images.map((i) => i.stableName);
  const outcomes: DeliveryOutcome[] = [];
  if (options.uploadSarif) outcomes.push(await codeScanning(args, api));
  const artifact = options.uploadArtifact ? await artifactUpload(args, targets) : undefined;
  if (artifact) outcomes.push(artifact);
  const comment = await prComment(args, api, targets, artifact?.url ?? args.runUrl);
  if (comment) outcomes.push(comment);
  return outcomes;
}

async function codeScanning(args: GitHubDeliveryArgs, api: GitHubApi | undefined): Promise<DeliveryOutcome> {
  const { run, logger } = args;
  if (!run || !api) {
    const why = 'Skipped the code-scanning upload: no GitHub repository or token in this environment';
    return skipped('code-scanning', why, logger);
  }
  if (run.pullRequest?.fromFork) {
    const why =
      'Skipped the code-scanning upload: pull requests from forks get a read-only token; the SARIF is in ' +
      'the artifact';
    return skipped('code-scanning', why, logger);
  }
  const query = `tool%3Avulngate+ref%3A${encodeURIComponent(run.ref)}`;
  return uploadToCodeScanning({
    api,
    owner: run.owner,
    repo: run.repo,
    commitSha: run.sha,
    ref: run.ref,
    sarifText: await readFile(args.sarifFile, 'utf8'),
    pollDelaysMs: args.timing.pollDelaysMs,
    logger,
    viewUrl: `${run.serverUrl}/${run.owner}/${run.repo}/security/code-scanning?query=${query}`,
  });
}

function artifactUpload(args: GitHubDeliveryArgs, targets: string[]): Promise<DeliveryOutcome> {
  const { options } = args;
  return uploadAuditArtifact({
    uploader: args.uploader,
    name: auditArtifactName({ name: options.artifactName, run: args.run, targets }),
    outputDir: path.resolve(args.outputDir),
    retentionDays: options.artifactRetentionDays,
    logger: args.logger,
    runUrl: args.runUrl,
  });
}

/** On a pull request only; `detailsUrl` is the artifact when it was uploaded, else the run. */
async function prComment(
  args: GitHubDeliveryArgs,
  api: GitHubApi | undefined,
  targets: string[],
  detailsUrl: string | undefined,
): Promise<DeliveryOutcome | undefined> {
  const { run, logger } = args;
  if (!args.options.commentOnPr || !run?.pullRequest) return undefined;
  if (run.pullRequest.fromFork) {
    const why = 'Skipped the pull-request comment: pull requests from forks get a read-only token';
    return skipped('pr-comment', why, logger);
  }
  if (!api) return undefined;
  const key = jobKey({ workflow: run.workflow, job: run.job, images: targets });
  return deliverPrComment({
    api,
    owner: run.owner,
    repo: run.repo,
    pullNumber: run.pullRequest.number,
    marker: commentMarker(key),
    results: args.results,
    detailsUrl,
    logger,
  });
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
