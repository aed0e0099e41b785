import { randomUUID } from 'node:crypto';
import { baselineLoader } from '../baseline/resolve.js';
import { readCiContext } from '../config/ci-context.js';
import type { DeliveryDestinations, ProfileSettings, RunSettings } from '../config/settings.js';
import { ExitCode, describeError, isGateError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ArtifactUploader } from '../delivery/artifact.js';
import { deliver, deliveryFailed } from '../delivery/deliver.js';
import { DEFAULT_TIMING, deliverToGitHub, type GitHubTiming } from '../delivery/github.js';
import type { DeliveryOutcome } from '../delivery/outcome.js';
import type { DeliveryContext } from '../delivery/receiver.js';
import { replayUndelivered } from '../delivery/replay.js';
import type { RetryPolicy } from '../lib/retry.js';
import { verdictLine } from '../render/summary.js';
import type { ImageScanner } from '../trivy/scanner.js';
import { VULNGATE_VERSION } from '../version.js';
import { renderTimings, Timings } from '../core/timings.js';
import { fileHashesDir } from '../trivy/file-hashes.js';
import { resolveProfile, runGate, type GateOutcome } from './gate.js';
import { DEFAULT_RETRY } from '../lib/retry.js';
import { feedDownloader } from '../feeds/download.js';

/** What a run needs from the world it runs in: the shells give these. */
export interface RunPorts {
  logger: Logger;
  now: () => Date;
  env: NodeJS.ProcessEnv;
  /** The repository root; default the working directory (the runner's checkout). */
  workspace?: string;
  /** Built lazily: evaluating existing reports needs no Trivy. */
  createScanner: (settings: RunSettings) => Promise<ImageScanner>;
  /** The action's artifact client; without it nothing is uploaded. */
  artifactUploader?: ArtifactUploader;
  /** Called once the verdict and files are there, before anything is delivered: the CLI prints its report. */
  onJudged?: (gate: GateOutcome) => Promise<void> | void;
  /** Retries and polling; tests shorten them. */
  timing?: { github?: GitHubTiming; deliveryRetry?: RetryPolicy; deliveryTimeoutMs?: number };
}

export interface RunOutcome {
  exitCode: ExitCode;
  /** One line: why the run ends with this exit code. */
  reason: string;
  /** Undefined when configuration stopped the run before anything was judged. */
  gate?: GateOutcome;
  deliveries: DeliveryOutcome[];
}

/** The one application run for the action and the CLI: gate → deliveries → exit code. */
export async function run(settings: RunSettings, ports: RunPorts): Promise<RunOutcome> {
  const timings = new Timings();
  let gate: GateOutcome;
  try {
    gate = await judge(settings, ports, timings);
  } catch (err) {
    return failedBeforeJudging(err);
  }
  // The verdict is known: said now, not after the receivers (a slow DefectDojo must not hide it).
  await ports.onJudged?.(gate);
  const deliveries = await timings.time('deliveries', () => deliverAll(settings, ports, gate));
  // One line each: a logger keeps each message on one line.
  for (const line of renderTimings(timings.entries(), timings.total()).split('\n')) {
    if (settings.gate.timings) ports.logger.info(line);
    else ports.logger.debug(line);
  }
  return conclude({ gate, deliveries, settings, logger: ports.logger });
}

/** Profile → reports → verdict → files, with the baseline looked up once the targets are known. */
function judge(settings: RunSettings, ports: RunPorts, timings: Timings): Promise<GateOutcome> {
  const { logger } = ports;
  const { gate, ci, github } = settings;
  return runGate(gate, {
    logger,
    now: ports.now,
    toolVersion: VULNGATE_VERSION,
    timings,
    hashesDir: settings.trivy?.layerCache.enabled ? fileHashesDir(settings.trivy.cacheDir) : undefined,
    workspace: ports.workspace ?? process.cwd(),
    env: ports.env,
    createScanner: ({ vexFiles, dockerConfigDir }) =>
      ports.createScanner(
        settings.trivy ? { ...settings, trivy: { ...settings.trivy, vexFiles, dockerConfigDir } } : settings,
      ),
    registryTiming: {
      timeoutMs: ports.timing?.deliveryTimeoutMs ?? 60_000,
      retry: announced(ports.timing?.deliveryRetry ?? DEFAULT_RETRY, ports.logger),
    },
    // Public feeds: no credential; plain http only to a loopback mirror.
    downloadFeed: feedDownloader({ retry: ports.timing?.deliveryRetry ?? DEFAULT_RETRY, timeoutMs: 120_000 }),
    run: { repository: ci.repository, ref: ci.ref, commit: ci.commit, url: ci.pipelineUrl },
    loadBaseline: gate.baseline
      ? baselineLoader({
          baseline: gate.baseline,
          outputDir: gate.outputDir,
          ci,
          env: ports.env,
          github: github ? { token: github.githubToken, artifactName: github.artifactName } : undefined,
          logger,
          retry: ports.timing?.deliveryRetry,
        })
      : undefined,
  });
}

/**
 * Records (SQS, DefectDojo) first, so the audit artifact holds what they could not take; then GitHub (code
 * scanning, the artifact, the PR comment); last the messages to people (Slack, issues), which can link the artifact
 * and whose slow tracker delays nothing else.
 */
async function deliverAll(settings: RunSettings, ports: RunPorts, gate: GateOutcome): Promise<DeliveryOutcome[]> {
  const { logger } = ports;
  const context = deliveryContext(ports);
  const common = {
    results: gate.results,
    reports: gate.reports,
    options: settings.delivery,
    notify: gate.notify,
    ci: settings.ci,
    outputDir: settings.gate.outputDir,
    context,
    scanId: randomUUID(),
  };
  const deliveries = await deliver({ ...common, stage: 'records' });
  if (settings.github && ports.artifactUploader) {
    const github = await deliverToGitHub({
      results: gate.results,
      sarifFile: gate.files.sarif,
      outputDir: settings.gate.outputDir,
      options: settings.github,
      run: settings.ci.github,
      runUrl: settings.ci.pipelineUrl || undefined,
      uploader: ports.artifactUploader,
      logger,
      timing: ports.timing?.github ?? DEFAULT_TIMING,
    });
    deliveries.push(...github);
  }
  const artifactUrl = deliveries.find((d) => d.receiver === 'artifact' && d.status === 'delivered')?.url;
  deliveries.push(...(await deliver({ ...common, artifactUrl, stage: 'people' })));
  return deliveries;
}

/** The receivers' context: the logger, the time, retry timing (shortened by tests). */
function deliveryContext(ports: RunPorts): DeliveryContext {
  return {
    logger: ports.logger,
    env: ports.env,
    now: ports.now(),
    retry: announced(ports.timing?.deliveryRetry ?? DEFAULT_RETRY, ports.logger),
    timeoutMs: ports.timing?.deliveryTimeoutMs,
  };
}

/** Every retry of a delivery said in the log with its wait: a receiver that is down is never 18 silent seconds. */
function announced(policy: RetryPolicy, logger: Logger): RetryPolicy {
  return {
    ...policy,
    announce: ({ attempt, attempts, delayMs, error }) =>
      logger.warning(
        `${describeError(error)}; retrying in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt} of ${attempts})`,
      ),
  };
}

function failedBeforeJudging(err: unknown): RunOutcome {
  if (isGateError(err)) return { exitCode: err.exitCode, reason: err.message, deliveries: [] };
  return {
    exitCode: ExitCode.Internal,
    reason: `unexpected error: ${describeError(err)} (please report this)`,
    deliveries: [],
  };
}

/** The exit code, most important first: an unscanned image, a failed verdict, a failed delivery. */
function conclude(args: {
  gate: GateOutcome;
  deliveries: DeliveryOutcome[];
  settings: RunSettings;
  logger: Logger;
}): RunOutcome {
  const { gate, deliveries, settings } = args;
  const { results } = gate;
  const line = verdictLine(results);
  const base = { gate, deliveries };
  // An image that was not scanned cannot pass: a scanner error outranks the verdict.
  if (results.errors.length > 0) return { ...base, exitCode: ExitCode.Scanner, reason: line };
  if (results.verdict === 'fail' && settings.gate.failOnFindings)
    return { ...base, exitCode: ExitCode.PolicyFailed, reason: line };
  if (deliveryFailed(deliveries) && settings.delivery.failure === 'fail') {
    return {
      ...base,
      exitCode: ExitCode.Delivery,
      reason: `${line}; but forwarding failed and forward-failure is fail`,
    };
  }
  if (results.verdict === 'fail') args.logger.warning(`${line} (not failing: fail-on-findings is false)`);
  return { ...base, exitCode: ExitCode.Pass, reason: line };
}

/**
 * `vulngate forward --from`: sends the spool again to this job's destinations; exit 4 when something is still
 * undelivered.
 */
export async function replay(args: {
  fromDir: string;
  destinations: DeliveryDestinations;
  /** This job's profile: its notify says who is told, and through what. */
  profile: ProfileSettings;
  ports: RunPorts;
}): Promise<RunOutcome> {
  const { ports } = args;
  const to = { ...args.destinations, ci: readCiContext(ports.env), env: ports.env };
  const notify = async () => {
    const profile = await resolveProfile(args.profile, ports);
    ports.logger.info(`Who to tell, and through what: notify of this job's profile ${profile.source}`);
    return profile.notify;
  };
  let deliveries: DeliveryOutcome[];
  try {
    deliveries = await replayUndelivered({ fromDir: args.fromDir, to, context: deliveryContext(ports), notify });
  } catch (err) {
    return failedBeforeJudging(err);
  }
  const still = deliveries.filter((d) => d.status === 'failed').map((d) => d.spooled ?? d.receiver);
  if (still.length > 0)
    return { exitCode: ExitCode.Delivery, reason: `Still undelivered: ${still.join(', ')}`, deliveries };
  return { exitCode: ExitCode.Pass, reason: 'Everything was delivered.', deliveries };
}
