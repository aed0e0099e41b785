import { availableParallelism } from 'node:os';
import { ConfigError } from '../core/errors.js';
import type { Severity } from '../core/severity.js';
import type { IdentityRule } from '../core/identity.js';
import type { CiContext } from './ci-context.js';
import { parseProfilesRepo, type CentralProfiles } from './profiles-repo.js';
import type { Workload } from '../core/cluster.js';
import { registrySettings, type RegistrySettings } from './registry-settings.js';
import { parseTrivyVersion, type TrivyOptions } from './trivy.js';
import { parseMessageAttributes } from './message-attributes.js';
import type { OptionLabel, OptionSet } from './options.js';
import { urlValue } from './values.js';
import { identityRules } from './identity-rules.js';
import { elasticsearchDestination, type ElasticsearchDestination } from './elasticsearch-settings.js';

export type GateSource =
  { kind: 'scan'; images: string[]; fs: string[]; sboms: string[] } | { kind: 'reports'; reports: string[] };

/** Images are looked for in tar_images/ unless only code directories or SBOMs were asked for. */
export const DEFAULT_IMAGE_GLOBS = ['tar_images/*.tar'];

export function scanSource(values: V): GateSource {
  const fs = values.fs;
  const sboms = values.sbom;
  const onlyCode = values.images.length === 0 && (fs.length > 0 || sboms.length > 0);
  return {
    kind: 'scan',
    images: onlyCode ? [] : values.images.length > 0 ? values.images : DEFAULT_IMAGE_GLOBS,
    fs,
    sboms,
  };
}

/** What the gate itself needs: what to judge, with which profile, where to write. */
export interface GateOptions {
  source: GateSource;
  profile?: string;
  profilesDir: string;
  /** Inputs, flags or variables that override the profile, with where each came from (`VULNGATE_SEVERITY`). */
  overrides: { severity?: Severity; ignoreUnfixed?: boolean; from?: { severity?: string; ignoreUnfixed?: string } };
  outputDir: string;
  failOnFindings: boolean;
  /** Images scanned at once. */
  parallel: number;
  sarif: { include: 'all' | 'blocking'; dockerfile?: string };
  /** A results file, or `auto` (the default branch's last record for this job). */
  baseline?: string;
  /** Write a CycloneDX SBOM per scanned target into sbom/. */
  writeSbom: boolean;
  /** Record each tarball's sha256 (reads every byte once). */
  tarballSha256: boolean;
  /** Hours after which the vulnerability DB is stale: a warning, or with `strict` a scanner error. */
  dbAge: { maxHours: number; strict: boolean };
  /** VEX documents as given (files or directories); checked before anything is scanned. */
  vex: string[];
  /** The central profiles repository, when set. */
  central?: CentralProfiles;
  failOn: 'all' | 'new';
  /** Identities the user set per target. */
  identities?: IdentityRule[];
  /** KEV and EPSS feeds, read when the profile uses them. */
  feeds?: FeedSettings;
  /** A scan still running after this many seconds says so. */
  heartbeatSeconds?: number;
  timings?: boolean; // the time per phase printed, else in the debug log
  /** Registry images: platforms and the login inputs. */
  registry?: RegistrySettings;
  /** A cluster scan: where each image runs, by the reference it is scanned as. */
  workloads?: Record<string, Workload[]>;
}

export interface SqsOptions {
  queueUrl: string;
  region?: string;
  userAttributes: Record<string, string>;
}

export interface DefectDojoOptions {
  url: string;
  token: string;
  productType: string;
  product: string;
  engagement: string;
  closeOldFindings: boolean;
  minimumSeverity?: string;
  tags: string[];
  version?: string;
  commit?: string;
  branch?: string;
  buildId?: string;
  repositoryUrl?: string;
  /** The imported findings' flags (DefectDojo's defaults: active, not verified). */
  active?: boolean;
  verified?: boolean;
}

/** Credentials for the trackers, from inputs or variables: never from the profile, never written. */
export interface TrackerCredentials {
  githubToken?: string;
  gitlab?: { apiUrl?: string; token?: string };
  jira?: { url?: string; user?: string; token?: string; issueType: string };
}

/** What this job delivers to the receivers, and where: the only source of destinations and credentials. */
export interface DeliveryOptions {
  sqs?: SqsOptions;
  defectDojo?: DefectDojoOptions;
  elasticsearch?: ElasticsearchDestination;
  failure: 'warn' | 'fail';
  /** For the profile's notify.issues. */
  trackers?: TrackerCredentials;
}

/** The trackers' credentials, from inputs and variables (never from the profile). */
export function trackerCredentials(values: V, env: NodeJS.ProcessEnv): TrackerCredentials {
  return {
    githubToken: values['github-token'],
    gitlab: { apiUrl: env.CI_API_V4_URL, token: values['gitlab-token'] },
    jira: {
      url: values['jira-url'],
      user: values['jira-user'],
      token: values['jira-token'],
      issueType: values['jira-issue-type'],
    },
  };
}

/**
 * Where DefectDojo imports go and what they may do there: the URL and token, the product (its owner's product
 * type and the repository), and whether an import closes findings its report does not have.
 */
export interface DefectDojoDestination {
  url?: string;
  token?: string;
  productType?: string;
  product?: string;
  closeOldFindings?: boolean;
}

/** Where the receivers deliver and with what credentials: this job's settings, the only source of both. */
export interface DeliveryDestinations {
  sqs?: { queueUrl?: string; region?: string };
  defectDojo?: DefectDojoDestination;
  elasticsearch?: ElasticsearchDestination;
  trackers: TrackerCredentials;
}

/** A run's destinations: those of what it delivers. */
export function destinationsOf(delivery: DeliveryOptions): DeliveryDestinations {
  const { sqs, defectDojo: dd } = delivery;
  return {
    sqs: sqs && { queueUrl: sqs.queueUrl, region: sqs.region },
    elasticsearch: delivery.elasticsearch,
    defectDojo: dd && {
      url: dd.url,
      token: dd.token,
      productType: dd.productType,
      product: dd.product,
      closeOldFindings: dd.closeOldFindings,
    },
    trackers: delivery.trackers ?? {},
  };
}

/** The action's deliveries to GitHub: code scanning, the audit artifact, the pull-request comment. */
export interface GitHubDeliveryOptions {
  uploadSarif: boolean;
  githubToken: string;
  commentOnPr: boolean;
  uploadArtifact: boolean;
  artifactName: string;
  artifactRetentionDays: number;
}

/** Everything one run needs, checked; the shells build it from the option table. */
export interface RunSettings {
  gate: GateOptions;
  /** Only for scans. */
  trivy?: TrivyOptions;
  delivery: DeliveryOptions;
  /** Only in the action. */
  github?: GitHubDeliveryOptions;
  ci: CiContext;
}

const DD_SEVERITIES = ['Info', 'Low', 'Medium', 'High', 'Critical'] as const;

type V = OptionSet['values'];

/** profiles-repo as settings: the project named from CI, the token's user from the platform. */
export function centralProfiles({ values, label }: OptionSet, ci: CiContext): CentralProfiles | undefined {
  const given = values['profiles-repo'];
  if (!given) {
    if (values['profiles-repo-required']) {
      throw new ConfigError(`${label('profiles-repo-required')}: needs ${label('profiles-repo')}`);
    }
    return undefined;
  }
  const server = ci.github?.serverUrl ?? 'https://github.com';
  return {
    repo: parseProfilesRepo(given, label('profiles-repo'), server),
    token: values['profiles-token'],
    tokenUser: ci.provider === 'gitlab' ? 'gitlab-ci-token' : 'x-access-token',
    required: values['profiles-repo-required'],
    timeoutSeconds: values['profiles-repo-timeout'],
    project: { owner: ci.owner, name: ci.project },
  };
}

/** Where the profile comes from: a path or name, the profiles directory, the central repository; and overrides. */
export type ProfileSettings = Pick<GateOptions, 'profile' | 'profilesDir' | 'central' | 'overrides'>;

export function gateOptions(options: OptionSet, source: GateSource, ci: CiContext): GateOptions {
  const { values } = options;
  return {
    central: centralProfiles(options, ci),
    source,
    profile: values.profile,
    profilesDir: values['profiles-dir'],
    overrides: {
      severity: values.severity,
      ignoreUnfixed: values['ignore-unfixed'],
      from: { severity: options.label('severity'), ignoreUnfixed: options.label('ignore-unfixed') },
    },
    outputDir: values['output-dir'],
    failOnFindings: values['fail-on-findings'],
    parallel: values.parallel ?? availableParallelism(),
    sarif: { include: values['sarif-findings'], dockerfile: values.dockerfile },
    baseline: values.baseline,
    failOn: values['fail-on'],
    writeSbom: values['write-sbom'],
    tarballSha256: values['tarball-sha256'],
    dbAge: { maxHours: values['max-db-age'], strict: values['strict-db-age'] },
    vex: values.vex,
    heartbeatSeconds: values.heartbeat,
    timings: values.timings,
    registry: registrySettings(values),
    identities: identityRules(values['target-identity'], options.label('target-identity')),
  };
}

/** The KEV and EPSS feeds: URLs or files tried in order, where a day's copy is kept, when one is stale. */
export interface FeedSettings {
  /** URLs or files, tried in order: mirrors first for air-gapped runners, or only a file. */
  kev: string[];
  epss: string[];
  /** Where downloaded feeds are kept, one file per feed and UTC day. */
  cacheDir: string;
  /** Hours after which a feed counts as stale: a warning. */
  maxAgeHours: number;
}

/** Where the KEV and EPSS feeds come from, and where a day's copy is kept (`<cache>/feeds`). */
export function feedSettings(values: V, cacheDir: string): FeedSettings {
  return { kev: values['kev-feed'], epss: values['epss-feed'], maxAgeHours: values['max-feed-age'], cacheDir };
}

export function trivyOptions(values: V, defaults: { cacheDir: string }): TrivyOptions {
  const server = values['trivy-server'];
  const token = values['trivy-server-token'];
  return {
    version: parseTrivyVersion(values['trivy-version']),
    checksum: values['trivy-checksum'],
    downloadUrl: values['trivy-download-url'],
    cacheDir: values['cache-dir'] ?? defaults.cacheDir,
    timeoutSeconds: values['scan-timeout'],
    offline: values.offline,
    dbRepositories: values['db-repository'],
    javaDb: values['java-db'],
    server: server ? { url: server, token } : undefined,
    layerCache: { enabled: values['layer-cache'], maxMb: values['layer-cache-max-mb'] },
    vexFiles: [],
    listAllPackages: values['write-sbom'],
  };
}

export function gitHubDeliveryOptions(values: V): GitHubDeliveryOptions {
  return {
    uploadSarif: values['upload-sarif'],
    githubToken: values['github-token'] ?? '',
    commentOnPr: values['comment-on-pr'],
    uploadArtifact: values['upload-artifact'],
    artifactName: values['artifact-name'] ?? '',
    artifactRetentionDays: values['artifact-retention-days'],
  };
}

/** The DefectDojo URL: https, or http when allowed. */
export function defectDojoUrl({ values, label }: OptionSet): string | undefined {
  const allowed = values['defectdojo-allow-http'] ? ['https:', 'http:'] : ['https:'];
  return urlValue(label('defectdojo-url'), values['defectdojo-url'] ?? '', allowed);
}

/** Deliveries, with the repository, branch and pipeline from CI as defaults. */
export function deliveryOptions(options: OptionSet, ci: CiContext, env: NodeJS.ProcessEnv = {}): DeliveryOptions {
  const { values, label } = options;
  const trackers = trackerCredentials(values, env);
  const queueUrl = values['sqs-queue-url'];
  const sqs: SqsOptions | undefined = queueUrl
    ? {
        queueUrl,
        region: values['aws-region'],
        userAttributes: parseMessageAttributes(values['sqs-message-attributes'] ?? '', label('sqs-message-attributes')),
      }
    : undefined;
  const elasticsearch = elasticsearchDestination(options);
  const url = defectDojoUrl(options);
  const token = values['defectdojo-token'] ?? '';
  if (!url) {
    if (token !== '') throw new ConfigError(`${label('defectdojo-url')}: required with ${label('defectdojo-token')}`);
    return { sqs, elasticsearch, failure: values['forward-failure'], trackers };
  }
  if (token === '') {
    throw new ConfigError(
      `${label('defectdojo-token')}: required with ${label('defectdojo-url')} (an API v2 key of a user that ` +
        `may import scans)`,
    );
  }
  const onDefaultBranch = ci.defaultBranch !== '' && ci.ref === ci.defaultBranch;
  return {
    sqs,
    elasticsearch,
    failure: values['forward-failure'],
    trackers,
    defectDojo: {
      url,
      token,
      productType: contextValue(label, 'defectdojo-product-type', values['defectdojo-product-type'], ci.owner),
      product: contextValue(label, 'defectdojo-product', values['defectdojo-product'], ci.repository),
      engagement: contextValue(label, 'defectdojo-engagement', values['defectdojo-engagement'], ci.ref),
      // Closing findings that a feature branch does not have would close them for everyone: default branch only.
      closeOldFindings: values['defectdojo-close-old-findings'] ?? onDefaultBranch,
      minimumSeverity: ddSeverity(label('defectdojo-minimum-severity'), values['defectdojo-minimum-severity']),
      tags: values['defectdojo-tags'],
      version: values['defectdojo-version'],
      commit: ci.commit || undefined,
      branch: ci.ref || undefined,
      buildId: ci.pipelineUrl || undefined,
      repositoryUrl: ci.repositoryUrl || undefined,
      active: values['defectdojo-active'],
      verified: values['defectdojo-verified'],
    },
  };
}

function contextValue(
  label: OptionLabel,
  name: Parameters<OptionLabel>[0],
  value: string | undefined,
  fallback: string,
): string {
  const chosen = value || fallback;
  if (chosen === '')
    throw new ConfigError(`${label(name)}: required outside CI (there is no repository or branch to default to)`);
  return chosen;
}

function ddSeverity(label: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const severity = DD_SEVERITIES.find((s) => s.toLowerCase() === value.toLowerCase());
  if (!severity) throw new ConfigError(`${label}: '${value}' is not allowed; allowed: ${DD_SEVERITIES.join(', ')}`);
  return severity;
}
