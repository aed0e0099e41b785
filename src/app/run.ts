import { baselineLoader } from '../baseline/resolve.js';
import type { RunSettings } from '../config/settings.js';
import { ExitCode, describeError, isGateError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ArtifactUploader } from '../delivery/artifact.js';
import { randomUUID } from 'node:crypto';
import { forwardResults, spoolId, type ForwardContext } from '../delivery/forward.js';
import { notifyPeople, type TrackerCredentials } from '../delivery/notify.js';
import { DEFAULT_TIMING, publishToGitHub, type PublishTiming } from '../delivery/github.js';
import { forwardingFailed, type DeliveryOutcome } from '../delivery/outcome.js';
import { replayUndelivered, type ReplayOverrides } from '../delivery/replay.js';
import type { RetryPolicy } from '../lib/retry.js';
import { verdictLine } from '../render/summary.js';
import type { ImageScanner } from '../trivy/scanner.js';
import { VULNGATE_VERSION } from '../version.js';
import { runGate, type GateOutcome } from './gate.js';
import { requestBytes } from '../lib/http.js';
import { DEFAULT_RETRY } from '../lib/retry.js';

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
  /** Retries and polling; tests shorten them. */
  timing?: { publish?: PublishTiming; forwardRetry?: RetryPolicy; forwardTimeoutMs?: number };
}

export interface RunOutcome {
  exitCode: ExitCode;
  /** One line: why the run ends with this exit code. */
  reason: string;
  /** Undefined when configuration stopped the run before anything was judged. */
  gate?: GateOutcome;
  deliveries: DeliveryOutcome[];
}

/** The one application run for the action and the CLI: gate → forwarding → publishing → exit code. */
export async function run(settings: RunSettings, ports: RunPorts): Promise<RunOutcome> {
  const { logger } = ports;
  let gate: GateOutcome;
  try {
    gate = await runGate(settings.gate, {
      logger,
      now: ports.now,
      toolVersion: VULNGATE_VERSION,
      workspace: ports.workspace ?? process.cwd(),
      env: ports.env,
      createScanner: ({ vexFiles }) =>
        ports.createScanner(settings.trivy ? { ...settings, trivy: { ...settings.trivy, vexFiles } } : settings),
      // Public feeds: no credential, plain http only to loopback (a local mirror), redirects followed.
      downloadFeed: (url) =>
        requestBytes({ url, retry: ports.timing?.forwardRetry ?? DEFAULT_RETRY, timeoutMs: 120_000 }),
      run: {
        repository: settings.ci.repository,
        ref: settings.ci.ref,
        commit: settings.ci.commit,
        url: settings.ci.pipelineUrl,
      },
      loadBaseline: settings.gate.baseline
        ? baselineLoader({
            baseline: settings.gate.baseline,
            outputDir: settings.gate.outputDir,
            ci: settings.ci,
            env: ports.env,
            github: settings.publish
              ? { token: settings.publish.githubToken, artifactName: settings.publish.artifactName }
              : undefined,
            logger,
            retry: ports.timing?.forwardRetry,
          })
        : undefined,
    });
  } catch (err) {
    return failedBeforeJudging(err);
  }
  const deliveries = await forwardResults({
    results: gate.results,
    reports: gate.reports,
    options: settings.forward,
    ci: settings.ci,
    outputDir: settings.gate.outputDir,
    context: forwardContext(ports),
  });
  // After forwarding, so the audit artifact holds what could not be delivered.
  if (settings.publish && ports.artifactUploader) {
    const published = await publishToGitHub({
      results: gate.results,
      sarifFile: gate.files.sarif,
      outputDir: settings.gate.outputDir,
      options: settings.publish,
      run: settings.ci.github,
      runUrl: settings.ci.pipelineUrl || undefined,
      uploader: ports.artifactUploader,
      logger,
      timing: ports.timing?.publish ?? DEFAULT_TIMING,
    });
    deliveries.push(...published);
  }
  // Last: the links to the run and the artifact exist by now, and a slow tracker never delays the others.
  if (gate.notify) {
    const artifactUrl = deliveries.find((d) => d.sink === 'artifact' && d.status === 'delivered')?.url;
    deliveries.push(
      ...(await notifyPeople({
        results: gate.results,
        notify: gate.notify,
        ci: settings.ci,
        env: ports.env,
        credentials: settings.forward.trackers ?? {},
        outputDir: settings.gate.outputDir,
        id: spoolId(ports.now(), randomUUID()),
        artifactUrl,
        context: forwardContext(ports),
      })),
    );
  }
  return conclude({ gate, deliveries, settings, logger });
}

/** The receivers' context: the logger, the time, retry timing (shortened by tests). */
function forwardContext(ports: RunPorts): ForwardContext {
  return {
    logger: ports.logger,
    env: ports.env,
    now: ports.now(),
    retry: ports.timing?.forwardRetry,
    timeoutMs: ports.timing?.forwardTimeoutMs,
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
  if (forwardingFailed(deliveries) && settings.forward.failure === 'fail') {
    return {
      ...base,
      exitCode: ExitCode.Delivery,
      reason: `${line}; but forwarding failed and forward-failure is fail`,
    };
  }
  if (results.verdict === 'fail') args.logger.warning(`${line} (not failing: fail-on-findings is false)`);
  return { ...base, exitCode: ExitCode.Pass, reason: line };
}

/** `vulngate forward --from`: sends the spool again; exit 4 when something is still undelivered. */
export async function replay(args: {
  fromDir: string;
  overrides: ReplayOverrides;
  ports: RunPorts;
  credentials?: TrackerCredentials;
}): Promise<RunOutcome> {
  const { ports } = args;
  const context = forwardContext(ports);
  let deliveries: DeliveryOutcome[];
  try {
    deliveries = await replayUndelivered({
      fromDir: args.fromDir,
      overrides: args.overrides,
      context,
      env: ports.env,
      credentials: args.credentials,
    });
  } catch (err) {
    return failedBeforeJudging(err);
  }
  const still = deliveries.filter((d) => d.status === 'failed').map((d) => d.spooled ?? d.sink);
  if (still.length > 0)
    return { exitCode: ExitCode.Delivery, reason: `Still undelivered: ${still.join(', ')}`, deliveries };
  return { exitCode: ExitCode.Pass, reason: 'Everything was delivered.', deliveries };
}
