import path from 'node:path';
import { clusterImages, type ClusterImage } from '../core/cluster.js';
import { ExitCode, describeError, isGateError } from '../core/errors.js';
import type { RunSettings } from '../config/settings.js';
import { KubeApi } from '../kube/api.js';
import { readInventory } from '../kube/inventory.js';
import { kubeAccess } from '../kube/kubeconfig.js';
import { DEFAULT_RETRY } from '../lib/retry.js';
import { run, type RunOutcome, type RunPorts } from './run.js';

export interface ClusterOptions {
  kubeconfig?: string;
  namespaces: string[];
  selector?: string;
}

export interface ClusterOutcome {
  exitCode: ExitCode;
  reason: string;
  /** One run per profile the workloads ask for: its profile ('' the default) and outcome. */
  runs: { profile: string; outputDir: string; outcome: RunOutcome }[];
}

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * `vulngate cluster`: what the cluster runs, read through the Kubernetes API, scanned once per digest and profile,
 * each profile's images judged in one run of their own (the run `scan` makes: outputs, baseline, deliveries). With
 * one profile the outputs are in output-dir; with several, in output-dir/<profile>/. The exit code is the worst.
 */
export async function runCluster(
  settings: RunSettings,
  cluster: ClusterOptions,
  ports: RunPorts,
): Promise<ClusterOutcome> {
  const { logger } = ports;
  let groups: Map<string, ClusterImage[]>;
  try {
    const access = await kubeAccess({ kubeconfig: cluster.kubeconfig, env: ports.env });
    logger.info(`Reading the cluster at ${access.server} (${access.source})`);
    const api = new KubeApi(access, {
      timeoutMs: ports.timing?.deliveryTimeoutMs ?? 60_000,
      retry: ports.timing?.deliveryRetry ?? DEFAULT_RETRY,
    });
    const inventory = await readInventory(api, { namespaces: cluster.namespaces, selector: cluster.selector });
    for (const warning of inventory.warnings) logger.warning(warning);
    groups = clusterImages(inventory.containers);
    const distinct = new Set([...groups.values()].flat().map((i) => i.reference)).size;
    logger.info(`${inventory.pods} running pod(s), ${inventory.containers.length} container(s), ${distinct} image(s)`);
    if (inventory.containers.length === 0) return emptyCluster(inventory.warnings.length > 0);
  } catch (err) {
    const exitCode = isGateError(err) ? err.exitCode : ExitCode.Scanner;
    return { exitCode, reason: describeError(err), runs: [] };
  }
  const runs: ClusterOutcome['runs'] = [];
  for (const [profile, images] of groups) {
    const outputDir =
      groups.size === 1 ? settings.gate.outputDir : path.join(settings.gate.outputDir, profile || 'default');
    if (profile && !PROFILE_NAME.test(profile)) {
      const reason =
        `vulngate.io/profile: '${profile}' is not a profile name (letters, digits, . _ -); ` +
        `${describeWorkloads(images)} not judged`;
      runs.push({ profile, outputDir, outcome: { exitCode: ExitCode.Config, reason, deliveries: [] } });
      logger.error(reason);
      continue;
    }
    logger.info(`Profile ${profile || '(default)'}: ${images.length} image(s) → ${outputDir}`);
    const baseline = groupBaseline(settings.gate.baseline, groups.size > 1 ? profile || 'default' : undefined);
    const outcome = await run(groupSettings(settings, { profile, images, outputDir, baseline }), ports);
    runs.push({ profile, outputDir, outcome });
  }
  const worst = runs.reduce((w, r) => (r.outcome.exitCode > w.outcome.exitCode ? r : w));
  return { exitCode: worst.outcome.exitCode, reason: worst.outcome.reason, runs };
}

/** The settings of one profile's run: its images (pinned to what runs), its profile, its output dir. */
function groupSettings(
  settings: RunSettings,
  group: { profile: string; images: ClusterImage[]; outputDir: string; baseline?: string },
): RunSettings {
  return {
    ...settings,
    gate: {
      ...settings.gate,
      source: { kind: 'scan', images: group.images.map((i) => i.entry), fs: [], sboms: [] },
      ...(group.profile ? { profile: group.profile } : {}),
      outputDir: group.outputDir,
      ...(group.baseline ? { baseline: group.baseline } : {}),
      workloads: Object.fromEntries(group.images.map((i) => [i.reference, i.workloads])),
    },
  };
}

/**
 * With several profiles each run compares with its own last record, kept as the outputs are:
 * `last/vulngate-results.json` → `last/<profile>/vulngate-results.json`. `auto` looks its artifact up itself.
 */
function groupBaseline(baseline: string | undefined, subdir: string | undefined): string | undefined {
  if (!baseline || !subdir || baseline === 'auto') return baseline;
  return path.join(path.dirname(baseline), subdir, path.basename(baseline));
}

function describeWorkloads(images: ClusterImage[]): string {
  const names = [...new Set(images.flatMap((i) => i.workloads.map((w) => `${w.namespace}/${w.kind}/${w.name}`)))];
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
}

/** Nothing runs: a pass only when every list could be read; otherwise what was not read may be what fails. */
function emptyCluster(unreadable: boolean): ClusterOutcome {
  return unreadable
    ? { exitCode: ExitCode.Scanner, reason: 'no pods could be read: nothing was judged', runs: [] }
    : {
        exitCode: ExitCode.Pass,
        reason: 'the cluster runs no containers (in the namespaces and labels asked for)',
        runs: [],
      };
}
