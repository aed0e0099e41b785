import { homedir } from 'node:os';
import path from 'node:path';
import { readCiContext } from './ci-context.js';
import type { OptionSet } from './options.js';
import {
  deliveryOptions,
  feedSettings,
  gateOptions,
  gitHubDeliveryOptions,
  scanSource,
  trivyOptions,
  type RunSettings,
} from './settings.js';

/** The action's settings: scan or evaluate by whether `reports` is set, with GitHub publishing. */
export function actionSettings(options: OptionSet, env: NodeJS.ProcessEnv): RunSettings & { cacheDb: boolean } {
  const { values } = options;
  const ci = readCiContext(env);
  const reports = values.reports;
  const source = reports.length > 0 ? { kind: 'reports' as const, reports } : scanSource(values);
  const workspace = env.RUNNER_TEMP ?? env.TMPDIR ?? '/tmp';
  const cacheDir = values['cache-dir'] ?? path.join(workspace, 'vulngate-trivy-cache');
  return {
    ci,
    gate: { ...gateOptions(options, source, ci), feeds: feedSettings(values, cacheDir) },
    trivy: trivyOptions(values, { cacheDir: path.join(workspace, 'vulngate-trivy-cache') }),
    delivery: deliveryOptions(options, ci, env),
    github: gitHubDeliveryOptions(values),
    cacheDb: values['cache-db'],
  };
}

/** Where the CLI keeps Trivy's DB and binaries between runs. */
export function cliCacheRoot(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'vulngate');
}

/** The CLI's settings for `scan` or `evaluate`. */
export function cliSettings(options: OptionSet, command: 'scan' | 'evaluate', env: NodeJS.ProcessEnv): RunSettings {
  const { values } = options;
  const ci = readCiContext(env);
  const source = command === 'scan' ? scanSource(values) : { kind: 'reports' as const, reports: values.reports };
  const cacheDir = values['cache-dir'] ?? path.join(cliCacheRoot(env), 'trivy');
  return {
    ci,
    gate: { ...gateOptions(options, source, ci), feeds: feedSettings(values, cacheDir) },
    trivy: command === 'scan' ? trivyOptions(values, { cacheDir: path.join(cliCacheRoot(env), 'trivy') }) : undefined,
    delivery: deliveryOptions(options, ci, env),
  };
}
