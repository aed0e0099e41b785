import { Timings } from '../core/timings.js';
import { mkdir, readFile } from 'node:fs/promises';
import type { FeedSettings, GateOptions, ProfileSettings } from '../config/settings.js';
import { ConfigError, errorCode } from '../core/errors.js';
import { evaluate } from '../core/evaluate.js';
import { legacyStableNames } from '../core/identity.js';
import { reportExceptionHealth } from '../core/exception-health.js';
import type { ImageReport } from '../core/finding.js';
import type { Logger } from '../core/logger.js';
import type { Baseline } from '../core/baseline.js';
import { buildResults, type GateResults, type RunInfo } from '../core/results.js';
import type { NotifyConfig } from '../core/notify.js';
import type { Profile } from '../core/profile.js';
import { loadCentralProfile } from '../profile/central.js';
import { checkKevExceptions, feedVersions } from '../feeds/governance.js';
import { loadFeeds, type FeedDownload } from '../feeds/load.js';
import { loadProfile, looksLikePath } from '../profile/load.js';
import { dockerfileFromLine } from '../render/sarif.js';
import type { ImageScanner } from '../trivy/scanner.js';
import { readReports, type Collected } from './collect.js';
import { resolveVexFiles } from './vex.js';
import { outputFiles, writeOutputs, type GateFiles } from './outputs.js';
import { scanTargets } from './scan.js';
import { prepareLogins } from './remote-images.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../lib/retry.js';
import { findReports, resolveTargets } from './targets.js';

export interface GateContext {
  logger: Logger;
  now: () => Date;
  toolVersion: string;
  /** The repository root (the working directory): code directories are named relative to it. */
  workspace: string;
  /** For git (the central profiles): PATH, SSH_AUTH_SOCK. */
  env: NodeJS.ProcessEnv;
  /** Built lazily: evaluating existing reports needs no Trivy. With the checked VEX files it is to pass on. */
  createScanner: (extra: { vexFiles: string[]; dockerConfigDir?: string }) => Promise<ImageScanner>;
  /** Registry lookups (manifests): how long one may take and how it is retried. */
  registryTiming?: { timeoutMs: number; retry: RetryPolicy };
  /** Where the run happens, recorded for the next run that takes this record as its baseline. */
  run?: RunInfo;
  /** Fetches a KEV or EPSS feed URL (the one HTTP client); without it only files can be feeds. */
  downloadFeed?: FeedDownload;
  /** With a baseline asked for: looks it up once the scanned targets are known. */
  loadBaseline?: (targets: string[], legacyTargets?: string[]) => Promise<Baseline | undefined>;
  /** Where the time goes, phase by phase (`--timings`). */
  timings?: Timings;
  /** Where tarball hashes are kept per file identity (with the layer cache). */
  hashesDir?: string;
}

export interface GateOutcome {
  results: GateResults;
  files: GateFiles;
  summaryMarkdown: string;
  /** Raw Trivy reports that were read, for the artifact and forwarders. */
  reports: ImageReport[];
  /** What GitHub's SARIF limits made vulngate leave out of vulngate.sarif. */
  sarifOmitted: { results: number; runs: number };
  /** The profile's notify: who to tell. */
  notify?: NotifyConfig;
}

/** Profile → reports (scanned or given) → verdict → files. Config errors throw before anything runs. */
export async function runGate(options: GateOptions, context: GateContext): Promise<GateOutcome> {
  const startedAt = context.now();
  const timings = context.timings ?? new Timings();
  const { profile, feeds } = await timings.time('profile and exploitation feeds', () =>
    prepareJudging(options, context),
  );
  const files = outputFiles(options.outputDir);
  const dockerfile = options.sarif.dockerfile ? await readDockerfile(options.sarif.dockerfile) : undefined;
  try {
    await mkdir(files.reportsDir, { recursive: true });
    if (options.writeSbom && options.source.kind === 'scan') await mkdir(files.sbomDir, { recursive: true });
  } catch (err) {
    throw new ConfigError(`output-dir: cannot write into '${options.outputDir}' (${errorCode(err)}); give a directory`);
  }
  const { source } = options;
  const collected =
    source.kind === 'scan'
      ? await scanSource({ options, source, context: { ...context, timings }, files })
      : await timings.time('reading reports', async () =>
          readReports(await findReports(source.reports), files.reportsDir, context.workspace),
        );
  for (const report of collected.reports) {
    const workloads = report.evidence?.reference ? options.workloads?.[report.evidence.reference] : undefined;
    if (workloads) report.workloads = workloads;
  }
  const results = await timings.time('judging, comparing with the last scan', () =>
    judgeCollected({ options, context, profile, feeds, collected }),
  );
  const { summaryMarkdown, sarifOmitted } = await timings.time('writing outputs', () =>
    writeOutputs({
      results,
      files,
      sarif: { include: options.sarif.include, dockerfile },
      failOnFindings: options.failOnFindings,
      startedAt,
      finishedAt: context.now(),
    }),
  );
  return { results, files, summaryMarkdown, reports: collected.reports, sarifOmitted, notify: profile.notify };
}

type Feeds = Awaited<ReturnType<typeof loadFeeds>>;

/** The profile, and the exploitation feeds it uses: both checked before anything is scanned. */
async function prepareJudging(options: GateOptions, context: GateContext): Promise<{ profile: Profile; feeds: Feeds }> {
  const { logger } = context;
  const profile = await resolveProfile(options, context);
  const counts = `${profile.exceptions.length} exception(s)`;
  const commit = profile.origin ? ` (commit ${profile.origin.commit.slice(0, 12)})` : '';
  logger.info(
    `Profile ${profile.source}${commit}: severity ${profile.severity}, ignore_unfixed ${profile.ignoreUnfixed}, ` +
      counts,
  );
  const feeds = await loadFeeds({
    policy: profile.exploitation,
    settings: options.feeds ?? NO_FEEDS,
    download: context.downloadFeed ?? noDownload,
    now: context.now(),
    logger,
  });
  checkKevExceptions(profile, feeds.data);
  return { profile, feeds };
}

/** Judged, compared with the baseline (looked up once the targets' identities are known), and said in the log. */
async function judgeCollected(args: {
  options: GateOptions;
  context: GateContext;
  profile: Profile;
  feeds: Feeds;
  collected: Collected;
}): Promise<GateResults> {
  const { options, context, profile, feeds, collected } = args;
  const { logger } = context;
  const now = context.now();
  const evaluation = evaluate({
    images: collected.reports,
    profile,
    now,
    identities: options.identities,
    exploitation: feeds.data,
  });
  const legacyNames = legacyStableNames(collected.reports.map((r) => ({ image: r.image, kind: r.kind })));
  const baseline = context.loadBaseline ? await context.loadBaseline(evaluation.stableNames, legacyNames) : undefined;
  const results = buildResults({
    evaluation,
    images: collected.reports,
    errors: collected.errors,
    profile,
    now,
    toolVersion: context.toolVersion,
    run: context.run,
    failOn: options.failOn,
    baseline,
    databases: collected.databases,
    warnings: [...(collected.warnings ?? []), ...feeds.warnings],
    feeds: feedVersions(feeds.data),
  });
  reportExceptionHealth({ results, logger });
  const unjudged = results.images.filter((i) => i.notJudged);
  if (unjudged.length > 0) {
    const names = unjudged.map((i) => i.name).join(', ');
    logger.warning(
      `Misconfigurations or licences in the reports of ${names} are not judged (vulnerabilities and secrets are)`,
    );
  }
  for (const error of collected.errors) logger.error(`${error.source}: ${error.message}`);
  return results;
}

const NO_FEEDS: FeedSettings = { kev: [], epss: [], cacheDir: '', maxAgeHours: 72 };

const noDownload: FeedDownload = () => Promise.reject(new Error('feeds can only be files here'));

/**
 * The central profile when profiles-repo is set — a path given as `profile` replaces it only when the central one
 * is not required — else the repository's own.
 */
export async function resolveProfile(
  options: ProfileSettings,
  context: Pick<GateContext, 'logger' | 'now' | 'env'>,
): Promise<Profile> {
  const { central } = options;
  const local = {
    profilesDir: options.profilesDir,
    overrides: options.overrides,
    logger: context.logger,
    now: context.now(),
  };
  if (!central) return loadProfile({ ...local, profile: options.profile });
  if (options.profile && looksLikePath(options.profile)) {
    if (central.required) {
      throw new ConfigError(
        `profile: '${options.profile}' in this repository cannot replace the central profile (profiles-repo-required)`,
      );
    }
    context.logger.warning(`Using ${options.profile} from this repository instead of the central profile`);
    return loadProfile({ ...local, profile: options.profile });
  }
  return loadCentralProfile({
    central,
    profile: options.profile,
    overrides: options.overrides,
    logger: context.logger,
    now: context.now(),
    env: context.env,
  });
}

/** Every path is checked (targets, VEX) before Trivy is fetched or anything is scanned. */
async function scanSource(args: {
  options: GateOptions;
  source: Extract<GateOptions['source'], { kind: 'scan' }>;
  context: GateContext;
  files: GateFiles;
}): Promise<Collected> {
  const { options, context, files } = args;
  const targets = await resolveTargets(args.source);
  const vexFiles = await resolveVexFiles(options.vex);
  const logins = await prepareLogins(targets.remote, options.registry, context.env);
  try {
    return await scanTargets({
      targets,
      parallel: options.parallel,
      createScanner: () => context.createScanner({ vexFiles, dockerConfigDir: logins.dockerConfigDir }),
      registry: {
        settings: options.registry,
        logins,
        ...(context.registryTiming ?? { timeoutMs: 60_000, retry: DEFAULT_RETRY }),
      },
      logger: context.logger,
      reportsDir: files.reportsDir,
      workspace: context.workspace,
      sbomDir: options.writeSbom ? files.sbomDir : undefined,
      dbAge: options.dbAge,
      now: context.now,
      hashTarballs: options.tarballSha256,
      heartbeatSeconds: options.heartbeatSeconds ?? 30,
      timings: context.timings,
      hashesDir: context.hashesDir,
    });
  } finally {
    await logins.remove();
  }
}

async function readDockerfile(file: string): Promise<{ path: string; fromLine: number }> {
  try {
    return { path: file.replace(/^\.\//, ''), fromLine: dockerfileFromLine(await readFile(file, 'utf8')) };
  } catch (err) {
    throw new ConfigError(`dockerfile: cannot read '${file}' (${errorCode(err)})`);
  }
}
