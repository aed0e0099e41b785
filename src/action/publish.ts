import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import { getOctokit } from '@actions/github';
import type { Logger } from '../core/logger.js';
import type { GateOutcome } from '../pipeline.js';
import { commentMarker, jobKey } from '../render/pr-comment.js';
import { uploadAuditArtifact, defaultArtifactName, type ArtifactUploader } from '../sinks/artifact.js';
import { uploadToCodeScanning } from '../sinks/code-scanning.js';
import { publishPrComment } from '../sinks/pr-comment.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../sinks/retry.js';
import type { GitHubRun } from './github-context.js';
import type { PublishInputs } from './inputs.js';

export interface PublishTiming {
  retry: RetryPolicy;
  pollDelaysMs: number[];
}

/** About 2 minutes of polling in all; code scanning usually finishes well within it. */
export const DEFAULT_TIMING: PublishTiming = { retry: DEFAULT_RETRY, pollDelaysMs: [2000, 4000, 8000, 16000, 30000, 60000] };

/** Links for the job summary, when the uploads produced them. */
export interface PublishLinks {
  artifactUrl?: string;
  codeScanningUrl?: string;
  commentUrl?: string;
}

function artifactClient(): ArtifactUploader {
  const client = new DefaultArtifactClient();
  return {
    upload: ({ name, files, rootDirectory, retentionDays }) => client.uploadArtifact(name, files, rootDirectory, { retentionDays }),
  };
}

/** SARIF to code scanning, the audit artifact, the PR comment: each may fail without hiding the verdict or the others. */
export async function publishToGitHub(args: {
  outcome: GateOutcome;
  inputs: PublishInputs;
  outputDir: string;
  run: GitHubRun | undefined;
  logger: Logger;
  timing?: PublishTiming;
  uploader?: ArtifactUploader;
}): Promise<PublishLinks> {
  const { outcome, inputs, run, logger } = args;
  const timing = args.timing ?? DEFAULT_TIMING;
  const links: PublishLinks = {};
  const images = outcome.results.images.map((i) => i.name);
  const key = jobKey({ workflow: run?.workflow ?? '', job: run?.job ?? '', images });
  const marker = commentMarker(key);
  const octokit = inputs.githubToken && run ? getOctokit(inputs.githubToken, { baseUrl: run.apiUrl }) : undefined;
  const runUrl = run ? `${run.serverUrl}/${run.owner}/${run.repo}/actions/runs/${run.runId}` : undefined;

  if (inputs.uploadSarif) {
    if (!run || !octokit) logger.notice('Skipped the code-scanning upload: no GitHub repository or token in this environment');
    else if (run.pullRequest?.fromFork) logger.notice('Skipped the code-scanning upload: pull requests from forks get a read-only token; the SARIF is in the artifact');
    else {
      const uploaded = await uploadToCodeScanning({
        octokit,
        owner: run.owner,
        repo: run.repo,
        commitSha: run.sha,
        ref: run.ref,
        sarifText: await readFile(outcome.files.sarif, 'utf8'),
        retry: timing.retry,
        pollDelaysMs: timing.pollDelaysMs,
        logger,
      });
      if (uploaded.status === 'complete' || uploaded.status === 'pending') {
        links.codeScanningUrl = `${run.serverUrl}/${run.owner}/${run.repo}/security/code-scanning?query=tool%3Avulngate+ref%3A${encodeURIComponent(run.ref)}`;
      }
    }
  }

  if (inputs.uploadArtifact) {
    const name = inputs.artifactName || defaultArtifactName(run?.job ?? '', key);
    const uploaded = await uploadAuditArtifact({ uploader: args.uploader ?? artifactClient(), name, outputDir: path.resolve(args.outputDir), retentionDays: inputs.artifactRetentionDays, logger });
    if (uploaded.status === 'uploaded' && uploaded.id !== undefined && runUrl) links.artifactUrl = `${runUrl}/artifacts/${uploaded.id}`;
  }

  if (inputs.commentOnPr && run?.pullRequest) {
    if (run.pullRequest.fromFork) logger.notice('Skipped the pull-request comment: pull requests from forks get a read-only token');
    else if (octokit) {
      const commented = await publishPrComment({
        octokit,
        owner: run.owner,
        repo: run.repo,
        pullNumber: run.pullRequest.number,
        marker,
        results: outcome.results,
        detailsUrl: links.artifactUrl ?? runUrl,
        retry: timing.retry,
        logger,
      });
      if (commented.status !== 'skipped') links.commentUrl = commented.url;
    }
  }
  return links;
}

export function linksMarkdown(links: PublishLinks): string[] {
  const lines: string[] = [];
  if (links.artifactUrl) lines.push(`Audit artifact (reports, results, SARIF, GitLab report): ${links.artifactUrl}`);
  if (links.codeScanningUrl) lines.push(`Code scanning: ${links.codeScanningUrl}`);
  if (links.commentUrl) lines.push(`Pull-request comment: ${links.commentUrl}`);
  return lines;
}
