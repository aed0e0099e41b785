import * as core from '@actions/core';
import { ExitCode, describeError, isGateError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { finalExitCode, runGate, type GateOutcome } from '../pipeline.js';
import { forwardResults } from '../forward/forward.js';
import { verdictLine } from '../render/summary.js';
import { createTrivyScanner } from '../trivy/factory.js';
import { VULNGATE_VERSION } from '../version.js';
import { withDbCache } from './db-cache.js';
import { readGitHubRun } from './github-context.js';
import { readInputs } from './inputs.js';
import { linksMarkdown, publishToGitHub, type PublishTiming } from './publish.js';
import { createActionLogger } from './logger.js';
import { ToolCacheStore } from './tool-cache-store.js';

/** GitHub shows only the first few annotations of a step; more would just be noise. */
export const ANNOTATION_LIMIT = 10;

/** `timing` lets tests shorten retries and polling. */
export async function run(env: NodeJS.ProcessEnv = process.env, timing?: PublishTiming): Promise<void> {
  const logger = createActionLogger();
  try {
    const inputs = readInputs(env);
    const now = () => new Date();
    const outcome = await runGate(inputs.gate, {
      logger,
      now,
      toolVersion: VULNGATE_VERSION,
      createScanner: async () => {
        const scanner = await createTrivyScanner({ options: inputs.trivy, store: new ToolCacheStore(), logger, env });
        const cacheable = inputs.cacheDb && !inputs.trivy.offline && !inputs.trivy.server;
        return cacheable ? withDbCache(scanner, { cacheDir: inputs.trivy.cacheDir, now: now(), logger }) : scanner;
      },
    });
    const forwarded = await forwardResults({ outcome, options: inputs.forward, ci: inputs.ci, outputDir: inputs.gate.outputDir, context: { logger, env, now: now() } });
    const links = await publishToGitHub({ outcome, inputs: inputs.publish, outputDir: inputs.gate.outputDir, run: readGitHubRun(env), logger, timing });
    publish(outcome, logger);
    const extra = linksMarkdown(links);
    await writeJobSummary(extra.length > 0 ? `${outcome.summaryMarkdown}\n${extra.map((l) => `- ${l}`).join('\n')}\n` : outcome.summaryMarkdown, logger);
    conclude({ outcome, failOnFindings: inputs.gate.failOnFindings, exitCode: finalExitCode({ gate: outcome.exitCode, forwardFailed: forwarded.failed, forwardFailure: inputs.forward.failure }) });
  } catch (err) {
    if (isGateError(err)) {
      core.setFailed(err.message);
      process.exitCode = err.exitCode;
      return;
    }
    core.setFailed(`vulngate: unexpected error: ${describeError(err)}`);
    process.exitCode = ExitCode.Scanner;
  }
}

function publish(outcome: GateOutcome, logger: Logger): void {
  const { results } = outcome;
  core.setOutput('verdict', results.verdict);
  core.setOutput('blocking-count', results.findings.filter((f) => f.decision === 'blocking').length);
  core.setOutput('findings-count', results.findings.length);
  core.setOutput('results-file', outcome.files.results);
  core.setOutput('summary-file', outcome.files.summary);
  core.setOutput('sarif-file', outcome.files.sarif);
  core.setOutput('gitlab-report-file', outcome.files.gitlab);

  const blocking = results.findings.filter((f) => f.decision === 'blocking');
  for (const f of blocking.slice(0, ANNOTATION_LIMIT)) {
    const fix = f.fixedVersion ? ` → ${f.fixedVersion}` : '';
    core.error(`${f.package} ${f.installedVersion}${fix}: ${f.title || f.id}`, { title: `${f.severity} ${f.id} in ${f.image}` });
  }
  if (blocking.length > ANNOTATION_LIMIT) {
    logger.error(`…and ${blocking.length - ANNOTATION_LIMIT} more blocking findings (see the job summary and ${outcome.files.results})`);
  }
}

async function writeJobSummary(markdown: string, logger: Logger): Promise<void> {
  try {
    await core.summary.addRaw(markdown).write();
  } catch (err) {
    logger.warning(`Could not write the job summary: ${describeError(err)}`);
  }
}

function conclude({ outcome, failOnFindings, exitCode }: { outcome: GateOutcome; failOnFindings: boolean; exitCode: ExitCode }): void {
  const line = verdictLine(outcome.results);
  if (exitCode !== outcome.exitCode) {
    core.setFailed(`${line}; but forwarding failed and forward-failure is fail`);
    process.exitCode = exitCode;
    return;
  }
  if (outcome.exitCode === ExitCode.Pass) {
    core.info(line);
    if (outcome.results.verdict === 'fail' && !failOnFindings) core.warning(`${line} (not failing: fail-on-findings is false)`);
    return;
  }
  core.setFailed(line);
  process.exitCode = outcome.exitCode;
}
