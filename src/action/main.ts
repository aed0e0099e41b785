import * as core from '@actions/core';
import { DefaultArtifactClient } from '@actions/artifact';
import { run as runApp, type RunOutcome, type RunPorts } from '../app/run.js';
import { OPTION_NAMES, optionSpec, readActionInputs, type OptionSet } from '../config/options.js';
import { actionSettings } from '../config/run-settings.js';
import { ExitCode, describeError, isGateError } from '../core/errors.js';
import { codeFilePath } from '../core/finding.js';
import type { Logger } from '../core/logger.js';
import { blockingFindings, newSinceBaseline, type GateResults } from '../core/results.js';
import { compareSeverityDesc } from '../core/severity.js';
import { oneLine } from '../core/text.js';
import type { ArtifactUploader } from '../delivery/artifact.js';
import { linksMarkdown } from '../delivery/github.js';
import { createTrivyScanner } from '../trivy/factory.js';
import { withActionsCaches } from './caches.js';
import { createActionLogger } from './logger.js';
import { ToolCacheStore } from './tool-cache-store.js';

/** GitHub shows only the first few annotations of a step; more would just be noise. */
export const ANNOTATION_LIMIT = 10;

function artifactClient(): ArtifactUploader {
  const client = new DefaultArtifactClient();
  return {
    upload: ({ name, files, rootDirectory, retentionDays }) =>
      client.uploadArtifact(name, files, rootDirectory, { retentionDays }),
  };
}

/** Secrets are masked before anything can print them. */
function maskSecrets(options: OptionSet): void {
  for (const name of OPTION_NAMES) {
    const value = options.values[name];
    if (optionSpec(name).secret && typeof value === 'string' && value !== '') core.setSecret(value);
  }
}

/** The action's shell: read the inputs, run, print. `timing` lets tests shorten retries and polling. */
export async function run(env: NodeJS.ProcessEnv = process.env, timing?: RunPorts['timing']): Promise<void> {
  const logger = createActionLogger();
  let outcome: RunOutcome;
  try {
    const options = readActionInputs(env);
    maskSecrets(options);
    const settings = actionSettings(options, env);
    const now = () => new Date();
    outcome = await runApp(settings, {
      logger,
      now,
      env,
      timing,
      artifactUploader: artifactClient(),
      createScanner: async ({ trivy }) => {
        if (!trivy) throw new Error('scanner asked for without Trivy settings');
        const scanner = await createTrivyScanner({ options: trivy, store: new ToolCacheStore(), logger, env });
        const db = settings.cacheDb && !trivy.offline && !trivy.server;
        const layers = trivy.layerCache.enabled && !trivy.server;
        if (!db && !layers) return scanner;
        const { cacheDir, version: trivyVersion } = trivy;
        return withActionsCaches(scanner, { cacheDir, trivyVersion, now: now(), logger, db, layers, env });
      },
    });
  } catch (err) {
    const message = isGateError(err) ? err.message : `vulngate: unexpected error: ${describeError(err)}`;
    core.setFailed(message);
    process.exitCode = isGateError(err) ? err.exitCode : ExitCode.Internal;
    return;
  }
  if (outcome.gate) {
    setOutputs(outcome);
    annotate(outcome.gate.results, outcome.gate.files.results, logger);
    const links = linksMarkdown(outcome.deliveries).map((l) => `- ${l}`);
    const summary = outcome.gate.summaryMarkdown;
    await writeJobSummary(links.length > 0 ? `${summary}\n${links.join('\n')}\n` : summary, logger);
  }
  if (outcome.exitCode === ExitCode.Pass) {
    core.info(outcome.reason);
    return;
  }
  core.setFailed(oneLine(outcome.reason));
  process.exitCode = outcome.exitCode;
}

function setOutputs({ gate }: RunOutcome): void {
  if (!gate) return;
  const { results, files } = gate;
  core.setOutput('verdict', results.verdict);
  core.setOutput('blocking-count', blockingFindings(results).length);
  core.setOutput('findings-count', results.findings.length);
  core.setOutput('results-file', files.results);
  core.setOutput('summary-file', files.summary);
  core.setOutput('sarif-file', files.sarif);
  core.setOutput('gitlab-report-file', files.gitlab);
  core.setOutput('new-count', newSinceBaseline(results).length);
  core.setOutput('gone-count', results.gone.length);
  const code = results.images.some((i) => i.kind !== 'image') || results.errors.some((e) => e.kind !== 'image');
  core.setOutput('gitlab-dependency-report-file', code ? files.gitlabDependencies : '');
}

function annotate(results: GateResults, resultsFile: string, logger: Logger): void {
  // Most severe first: GitHub shows only the first few annotations of a step.
  const blocking = blockingFindings(results).sort((a, b) => compareSeverityDesc(a.severity, b.severity));
  for (const f of blocking.slice(0, ANNOTATION_LIMIT)) {
    const fix = f.fixedVersion ? ` → ${f.fixedVersion}` : '';
    const title = oneLine(`${f.severity} ${f.id} in ${f.image}`);
    // Code dependencies: on the lockfile's line, where the pull request's diff shows it.
    const file = f.targetKind === 'fs' ? codeFilePath(f.image, f.target) : undefined;
    const where = file ? { file, startLine: f.startLine ?? 1 } : {};
    core.error(oneLine(`${f.package} ${f.installedVersion}${fix}: ${f.title || f.id}`), { title, ...where });
  }
  if (blocking.length > ANNOTATION_LIMIT) {
    logger.error(
      `…and ${blocking.length - ANNOTATION_LIMIT} more blocking findings (see the job summary and ${resultsFile})`,
    );
  }
}

async function writeJobSummary(markdown: string, logger: Logger): Promise<void> {
  try {
    await core.summary.addRaw(markdown).write();
  } catch (err) {
    logger.warning(`Could not write the job summary: ${describeError(err)}`);
  }
}
