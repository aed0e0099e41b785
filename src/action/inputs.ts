import { availableParallelism } from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { ConfigError } from '../core/errors.js';
import { readCiContext, type CiContext } from '../config/ci-context.js';
import { readForwardOptions, type ForwardOptions } from '../config/forward-options.js';
import { booleanValue, choiceValue, listValue, positiveIntValue, severityValue, urlValue } from '../config/values.js';
import type { GateOptions } from '../pipeline.js';
import { DEFAULT_TRIVY_DOWNLOAD_URL, DEFAULT_TRIVY_VERSION } from '../trivy/checksums.js';
import { parseTrivyVersion } from '../trivy/install.js';
import type { TrivyOptions } from '../trivy/options.js';

export interface PublishInputs {
  uploadSarif: boolean;
  githubToken: string;
  commentOnPr: boolean;
  uploadArtifact: boolean;
  artifactName: string;
  artifactRetentionDays: number;
}

export interface ActionInputs {
  gate: GateOptions;
  forward: ForwardOptions;
  ci: CiContext;
  trivy: TrivyOptions;
  publish: PublishInputs;
  /** Restore/save the Trivy DB with @actions/cache. */
  cacheDb: boolean;
}

function input(name: string): string {
  return core.getInput(name, { trimWhitespace: true });
}

/** Every action input, read and checked here; errors name the input and what is allowed. */
export function readInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const reports = listValue(input('reports'));
  const images = listValue(input('images'));
  const token = input('trivy-server-token');
  if (token !== '') core.setSecret(token);
  const ddToken = input('defectdojo-token');
  if (ddToken !== '') core.setSecret(ddToken);
  const ci = readCiContext(env);
  const forward = readForwardOptions((name) => input(name), ci);
  const githubToken = input('github-token');
  if (githubToken !== '') core.setSecret(githubToken);
  const retention = positiveIntValue('artifact-retention-days', input('artifact-retention-days')) ?? 30;
  if (retention > 90) throw new ConfigError(`artifact-retention-days: '${retention}' is more than GitHub keeps artifacts (1 to 90)`);
  const server = urlValue('trivy-server', input('trivy-server'));
  const offline = booleanValue('offline', input('offline')) ?? false;
  const workspace = env.RUNNER_TEMP ?? env.TMPDIR ?? '/tmp';
  return {
    forward,
    ci,
    gate: {
      source: reports.length > 0 ? { kind: 'reports', reports } : { kind: 'scan', images: images.length > 0 ? images : ['tar_images/*.tar'] },
      profile: input('profile') || undefined,
      profilesDir: input('profiles-dir') || 'profiles',
      overrides: {
        severity: severityValue('severity', input('severity')),
        ignoreUnfixed: booleanValue('ignore-unfixed', input('ignore-unfixed')),
      },
      outputDir: input('output-dir') || 'out',
      failOnFindings: booleanValue('fail-on-findings', input('fail-on-findings')) ?? true,
      parallel: positiveIntValue('parallel', input('parallel')) ?? availableParallelism(),
      sarif: {
        include: choiceValue('sarif-findings', input('sarif-findings'), ['all', 'blocking'] as const) ?? 'all',
        dockerfile: input('dockerfile') || undefined,
      },
    },
    trivy: {
      version: parseTrivyVersion(input('trivy-version') || DEFAULT_TRIVY_VERSION),
      checksum: input('trivy-checksum') || undefined,
      downloadUrl: input('trivy-download-url') || DEFAULT_TRIVY_DOWNLOAD_URL,
      cacheDir: input('cache-dir') || path.join(workspace, 'vulngate-trivy-cache'),
      timeoutSeconds: positiveIntValue('scan-timeout', input('scan-timeout')) ?? 900,
      offline,
      dbRepositories: listValue(input('db-repository')),
      javaDb: booleanValue('java-db', input('java-db')) ?? true,
      server: server ? { url: server, token: token || undefined } : undefined,
    },
    publish: {
      uploadSarif: booleanValue('upload-sarif', input('upload-sarif')) ?? true,
      githubToken,
      commentOnPr: booleanValue('comment-on-pr', input('comment-on-pr')) ?? true,
      uploadArtifact: booleanValue('upload-artifact', input('upload-artifact')) ?? true,
      artifactName: input('artifact-name'),
      artifactRetentionDays: retention,
    },
    cacheDb: booleanValue('cache-db', input('cache-db')) ?? true,
  };
}
