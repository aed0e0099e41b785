import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CiContext } from '../config/ci-context.js';
import type { Baseline } from '../core/baseline.js';
import { describeError, errorCode } from '../core/errors.js';
import { auditArtifactName } from '../core/job-identity.js';
import type { Logger } from '../core/logger.js';
import { OUTPUT_FILES } from '../core/results.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../lib/retry.js';
import { findGitHubBaseline, type FoundRecord } from './github.js';
import { findGitLabBaseline } from './gitlab.js';
import { readBaselineRecord } from './record.js';

export interface BaselineSettings {
  /** A results file, or `auto`. */
  baseline: string;
  outputDir: string;
  ci: CiContext;
  env: NodeJS.ProcessEnv;
  /** The action's token and audit artifact name; without them `auto` finds nothing on GitHub. */
  github?: { token: string; artifactName: string };
  logger: Logger;
  retry?: RetryPolicy;
  timeoutMs?: number;
}

/** Looks up the baseline once the targets are known; never throws: no baseline is a notice, not a failure. */
export type BaselineLoader = (targets: string[], legacyTargets?: string[]) => Promise<Baseline | undefined>;

export function baselineLoader(settings: BaselineSettings): BaselineLoader {
  return async (targets, legacyTargets = targets) => {
    const { logger } = settings;
    let found: FoundRecord;
    try {
      found = await findRecord(settings, targets);
      // The artifact of a run before identities stopped depending on the run is named after the old ones: once.
      if ('none' in found && legacyTargets.join('\n') !== targets.join('\n')) {
        const legacy = await findRecord(settings, legacyTargets);
        if (!('none' in legacy)) found = legacy;
      }
    } catch (err) {
      found = { none: `the lookup failed: ${describeError(err)}` };
    }
    if ('none' in found) {
      logger.notice(`No baseline (${found.none}): every finding counts as new`);
      return undefined;
    }
    const read = readBaselineRecord({ text: found.text, source: found.source, targets });
    if ('problem' in read) {
      logger.warning(`Baseline not used: ${read.problem}; every finding counts as new`);
      return undefined;
    }
    if (read.notice) logger.notice(read.notice);
    const { baseline } = read;
    const when = [baseline.ref, baseline.generatedAt.slice(0, 10)].filter(Boolean).join(', ');
    logger.info(`Baseline: ${baseline.source}${when ? ` (${when})` : ''}, ${baseline.findings.length} finding(s)`);
    return baseline;
  };
}

async function findRecord(settings: BaselineSettings, targets: string[]): Promise<FoundRecord> {
  if (settings.baseline !== 'auto') {
    try {
      return { text: await readFile(settings.baseline, 'utf8'), source: settings.baseline };
    } catch (err) {
      return { none: `cannot read ${settings.baseline}: ${errorCode(err)}` };
    }
  }
  const { ci, env } = settings;
  const retry = settings.retry ?? DEFAULT_RETRY;
  const timeoutMs = settings.timeoutMs ?? 60_000;
  if (!ci.defaultBranch) return { none: 'the default branch is not known in this environment' };
  if (ci.provider === 'github' && ci.github) {
    const run = ci.github;
    if (!settings.github?.token) return { none: 'no github-token to read the default branch’s artifacts' };
    return findGitHubBaseline({
      apiUrl: run.apiUrl,
      token: settings.github.token,
      owner: run.owner,
      repo: run.repo,
      repositoryId: run.repositoryId,
      artifactName: auditArtifactName({ name: settings.github.artifactName, run, targets }),
      branch: ci.defaultBranch,
      runId: run.runId,
      retry,
      timeoutMs,
    });
  }
  if (ci.provider === 'gitlab') {
    const { CI_API_V4_URL: apiUrl, CI_PROJECT_ID: projectId, CI_JOB_TOKEN: jobToken, CI_JOB_NAME: job } = env;
    if (!apiUrl || !projectId || !jobToken || !job)
      return { none: 'CI_API_V4_URL, CI_PROJECT_ID, CI_JOB_TOKEN or CI_JOB_NAME is not set' };
    const file = path.posix.join(settings.outputDir.split(path.sep).join('/'), OUTPUT_FILES.results);
    return findGitLabBaseline({ apiUrl, projectId, jobToken, job, branch: ci.defaultBranch, file, retry, timeoutMs });
  }
  return { none: '`auto` reads the default branch’s record in GitHub Actions and GitLab CI; give a file here' };
}
