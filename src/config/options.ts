import { DEFAULT_TRIVY_DOWNLOAD_URL, DEFAULT_TRIVY_VERSION } from '../trivy/checksums.js';
import {
  booleanOption,
  choiceOption,
  integerOption,
  listOption,
  severityOption,
  textOption,
  urlOption,
  type CliCommand,
  type OptionSpec,
} from './option-types.js';

const JUDGE: readonly CliCommand[] = ['scan', 'evaluate'];
const SCAN: readonly CliCommand[] = ['scan'];
const ALL: readonly CliCommand[] = ['scan', 'evaluate', 'forward'];
/** Node's timers hold at most 2^31 - 1 ms. */
const MAX_TIMER_SECONDS = 2_147_483;

/**
 * The one option table. The action's inputs (and action.yml, checked by a test), the CLI's flags and the
 * VULNGATE_<NAME> variables are all derived from it; src/config/settings.ts turns the values into settings.
 */
export const OPTIONS = {
  // What to judge, and how.
  images: listOption({
    help: 'Image tarballs to scan (globs, one per line or comma-separated), as written by `docker save`.',
    default: ['tar_images/*.tar'],
    commands: SCAN,
    cli: { placeholder: 'glob', variadic: true },
  }),
  reports: listOption({
    help: 'Judge these existing Trivy JSON reports instead of scanning (one per line).',
    commands: ['evaluate'],
    cli: { flag: 'report', placeholder: 'file', variadic: true, mandatory: true },
  }),
  profile: textOption({
    help: 'Security profile, as a file path or a name in profiles-dir. Empty uses profiles-dir/default.yml, else the built-in default (HIGH, ignore unfixed).',
    commands: JUDGE,
    cli: { placeholder: 'path-or-name' },
  }),
  'profiles-dir': textOption({ help: 'Directory of named profiles.', default: 'profiles', commands: JUDGE, cli: { placeholder: 'dir' } }),
  severity: severityOption({
    help: "Override the profile's threshold: UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL.",
    commands: JUDGE,
    cli: { placeholder: 'level' },
  }),
  'ignore-unfixed': booleanOption({ help: "Override the profile's ignore_unfixed: true or false.", commands: JUDGE, cli: { placeholder: 'bool' } }),
  'output-dir': textOption({
    help: 'Where vulngate-results.json, summary.md and the raw Trivy reports are written.',
    default: 'out',
    commands: JUDGE,
    cli: { placeholder: 'dir' },
  }),
  'fail-on-findings': booleanOption({
    help: 'Fail when the profile fails the check. false reports without failing.',
    default: true,
    commands: JUDGE,
    cli: { placeholder: 'bool' },
  }),
  'sarif-findings': choiceOption({
    help: 'Findings in vulngate.sarif: all (blocking ones as errors, the rest as notes) or blocking.',
    choices: ['all', 'blocking'] as const,
    default: 'all',
    commands: JUDGE,
    cli: { placeholder: 'which' },
  }),
  dockerfile: textOption({
    help: 'Path of the Dockerfile; SARIF results are then located on its FROM line.',
    commands: JUDGE,
    cli: { placeholder: 'path' },
  }),
  verbose: booleanOption({ help: 'Debug output.', default: false, input: false, commands: ALL, cli: { switch: true } }),

  // Trivy.
  parallel: integerOption({
    help: 'Images scanned at once. Default the number of cores.',
    min: 1,
    max: 64,
    commands: SCAN,
    cli: { placeholder: 'n' },
  }),
  'scan-timeout': integerOption({
    help: 'Per-image Trivy timeout in seconds.',
    default: 900,
    min: 1,
    max: MAX_TIMER_SECONDS,
    commands: SCAN,
    cli: { placeholder: 'seconds' },
  }),
  'trivy-version': textOption({
    help: 'Trivy release to use. Versions without a checksum kept in vulngate need trivy-checksum.',
    default: DEFAULT_TRIVY_VERSION,
    commands: SCAN,
    cli: { placeholder: 'version' },
  }),
  'trivy-checksum': textOption({
    help: 'SHA-256 of the Trivy release archive for this runner, for a version vulngate keeps no checksum for.',
    commands: SCAN,
    cli: { placeholder: 'sha256' },
  }),
  'trivy-download-url': textOption({
    help: 'Release URL template with {version} and {asset}, for mirrors.',
    default: DEFAULT_TRIVY_DOWNLOAD_URL,
    commands: SCAN,
    cli: { placeholder: 'template' },
  }),
  'cache-dir': textOption({
    help: 'Trivy cache directory (vulnerability DB). Default under RUNNER_TEMP in the action, ~/.cache/vulngate/trivy in the CLI.',
    commands: SCAN,
    cli: { placeholder: 'dir' },
  }),
  'tool-dir': textOption({
    help: 'Where downloaded Trivy binaries are kept. Default ~/.cache/vulngate/tools.',
    input: false,
    commands: SCAN,
    cli: { placeholder: 'dir' },
  }),
  'cache-db': booleanOption({
    help: 'Restore and save the Trivy DB with the Actions cache (one key per day).',
    default: true,
  }),
  'db-repository': listOption({
    help: 'OCI repositories of the Trivy DB, tried in order (one per line), for mirrors.',
    commands: SCAN,
    cli: { placeholder: 'repo', variadic: true },
  }),
  'java-db': booleanOption({
    help: "Also prepare Trivy's Java DB, so findings in JARs are not missing.",
    default: true,
    commands: SCAN,
    cli: { placeholder: 'bool' },
  }),
  offline: booleanOption({
    help: 'Use the DB already in cache-dir and never download.',
    default: false,
    commands: SCAN,
    cli: { switch: true },
  }),
  'trivy-server': urlOption({
    help: 'Scan as a client of this Trivy server (URL) instead of downloading the DB.',
    commands: SCAN,
    cli: { placeholder: 'url' },
  }),
  'trivy-server-token': textOption({ help: 'Token for trivy-server.', secret: true, commands: SCAN, envOnly: true }),

  // GitHub publishing (the action).
  'upload-sarif': booleanOption({
    help: 'Upload vulngate.sarif to GitHub code scanning (needs `permissions: security-events: write`).',
    default: true,
  }),
  'github-token': textOption({
    help: 'Token for code scanning, the pull-request comment and the API.',
    actionDefault: '${{ github.token }}',
    secret: true,
  }),
  'comment-on-pr': booleanOption({
    help: 'On pull requests, keep one comment per job with the verdict and what changed (needs `pull-requests: write`).',
    default: true,
  }),
  'upload-artifact': booleanOption({
    help: 'Upload the output directory (raw reports, results, SARIF, GitLab report, summary) as the audit artifact.',
    default: true,
  }),
  'artifact-name': textOption({
    help: 'Name of the audit artifact. Default vulngate-<job>-<key of the scanned images>, unique per matrix job.',
  }),
  'artifact-retention-days': integerOption({ help: 'Days GitHub keeps the audit artifact (1 to 90).', default: 30, min: 1, max: 90 }),

  // Forwarding.
  from: textOption({
    help: "The earlier run's output directory, whose undelivered/ is sent again.",
    input: false,
    commands: ['forward'],
    cli: { placeholder: 'dir', mandatory: true },
  }),
  'sqs-queue-url': urlOption({
    help: 'Send one JSON message per finding and per image to this SQS queue (AWS credentials from the standard chain, e.g. aws-actions/configure-aws-credentials).',
    commands: ALL,
    cli: { placeholder: 'url' },
  }),
  'aws-region': textOption({
    help: 'AWS region of the queue. Default AWS_REGION, else the region in the queue URL.',
    commands: ALL,
    cli: { placeholder: 'region' },
  }),
  'sqs-message-attributes': textOption({
    help: 'Extra SQS message attributes, as a JSON object or name=value lines (at most 7).',
    commands: JUDGE,
    cli: { placeholder: 'attributes' },
  }),
  'defectdojo-url': textOption({
    help: "Import each image's Trivy report into this DefectDojo (https).",
    commands: ALL,
    cli: { placeholder: 'url' },
  }),
  'defectdojo-token': textOption({
    help: 'DefectDojo API v2 key of a user that may import scans (CLI: better as VULNGATE_DEFECTDOJO_TOKEN).',
    secret: true,
    commands: ALL,
    cli: { placeholder: 'token' },
  }),
  'defectdojo-product-type': textOption({
    help: 'DefectDojo product type. Default the repository owner.',
    commands: JUDGE,
    cli: { placeholder: 'name' },
  }),
  'defectdojo-product': textOption({ help: 'DefectDojo product. Default the repository.', commands: JUDGE, cli: { placeholder: 'name' } }),
  'defectdojo-engagement': textOption({ help: 'DefectDojo engagement. Default the branch.', commands: JUDGE, cli: { placeholder: 'name' } }),
  'defectdojo-close-old-findings': booleanOption({
    help: 'Close findings an image no longer has. Default true on the default branch only.',
    commands: JUDGE,
    cli: { placeholder: 'bool' },
  }),
  'defectdojo-minimum-severity': textOption({
    help: 'Lowest severity imported: Info, Low, Medium, High or Critical.',
    commands: JUDGE,
    cli: { placeholder: 'level' },
  }),
  'defectdojo-tags': listOption({
    help: 'Tags for the DefectDojo test (comma- or newline-separated).',
    commands: JUDGE,
    cli: { placeholder: 'tags' },
  }),
  'defectdojo-version': textOption({ help: 'Version of what was scanned, recorded in DefectDojo.', commands: JUDGE, cli: { placeholder: 'version' } }),
  'defectdojo-allow-http': booleanOption({
    help: 'Allow an http:// DefectDojo URL (tokens then travel unencrypted).',
    default: false,
    commands: ALL,
    cli: { placeholder: 'bool' },
  }),
  'forward-failure': choiceOption({
    help: 'What a forwarding failure does: warn, or fail the run with exit code 4. Undelivered data is kept in <output-dir>/undelivered/ either way.',
    choices: ['warn', 'fail'] as const,
    default: 'warn',
    commands: JUDGE,
    cli: { placeholder: 'warn|fail' },
  }),
} satisfies Record<string, OptionSpec<unknown>>;

export type OptionName = keyof typeof OPTIONS;
export type OptionValues = { [N in OptionName]: ReturnType<(typeof OPTIONS)[N]['parse']> };

export const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

export function optionSpec(name: OptionName): OptionSpec<unknown> {
  return OPTIONS[name];
}

/** `scan-timeout` → `VULNGATE_SCAN_TIMEOUT`. */
export function envName(name: OptionName): string {
  return `VULNGATE_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** `scan-timeout` → `INPUT_SCAN-TIMEOUT`, as the runner sets it (upper case, dashes kept). */
export function inputEnvName(name: OptionName): string {
  return `INPUT_${name.toUpperCase()}`;
}

/** The flag as typed: `--scan-timeout`, `--report`. */
export function flagName(name: OptionName): string {
  return `--${optionSpec(name).cli?.flag ?? name}`;
}

/** Where an option's value came from; errors and settings name the option by it. */
export type OptionLabel = (name: OptionName) => string;

export interface OptionSet {
  values: OptionValues;
  label: OptionLabel;
}

export interface RawLookup {
  /** The option's raw value and how to name it, or undefined when nothing set it. */
  (name: OptionName): { raw: string | string[]; label: string } | undefined;
}

/**
 * Every option's value: what the lookup gives, else the table's default. Options a surface does not have
 * (the lookup gives nothing for them) get their defaults, so the values are always complete.
 */
export function readOptions(lookup: RawLookup, unsetLabel: OptionLabel): OptionSet {
  const labels = new Map<OptionName, string>();
  const values: Partial<Record<OptionName, unknown>> = {};
  for (const name of OPTION_NAMES) {
    const found = lookup(name);
    const label = found?.label ?? unsetLabel(name);
    labels.set(name, label);
    values[name] = optionSpec(name).parse(found?.raw, label);
  }
  return { values: values as OptionValues, label: (name) => labels.get(name) ?? unsetLabel(name) };
}

/** The action's inputs, read from INPUT_* in the environment it is given. */
export function readActionInputs(env: NodeJS.ProcessEnv): OptionSet {
  return readOptions(
    (name) => {
      const raw = optionSpec(name).input ? env[inputEnvName(name)] : undefined;
      return raw === undefined || raw.trim() === '' ? undefined : { raw: raw.trim(), label: name };
    },
    (name) => name,
  );
}

/** Options of a CLI command. */
export function commandOptions(command: CliCommand): OptionName[] {
  return OPTION_NAMES.filter((n) => (optionSpec(n).commands as readonly string[]).includes(command));
}
