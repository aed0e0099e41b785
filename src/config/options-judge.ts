import { DEFAULT_TRIVY_DOWNLOAD_URL, DEFAULT_TRIVY_VERSION } from '../trivy/checksums.js';
import {
  ALL_COMMANDS,
  JUDGE_COMMANDS,
  SCAN_COMMANDS,
  booleanOption,
  choiceOption,
  integerOption,
  listOption,
  severityOption,
  textOption,
  urlOption,
  type OptionSpec,
} from './option-types.js';

/** Node's timers hold at most 2^31 - 1 ms. */
const MAX_TIMER_SECONDS = 2_147_483;

/** What to judge and how, and how to run Trivy: part of the option table (src/config/options.ts). */
export const JUDGE_OPTIONS = {
  // What to judge, and how.
  images: listOption({
    help:
      'Image tarballs to scan (globs, one per line or comma-separated), as written by `docker save`. ' +
      'Default tar_images/*.tar, unless only fs or sbom is given.',
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'glob', variadic: true },
  }),
  fs: listOption({
    help: "Directories of code whose dependencies (lockfiles) and secrets to scan with `trivy fs` (one per line): '.'.",
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'dir', variadic: true },
  }),
  sbom: listOption({
    help: 'CycloneDX or SPDX JSON SBOMs from the build to scan with `trivy sbom` (one per line).',
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'file', variadic: true },
  }),
  reports: listOption({
    help: 'Judge these existing Trivy JSON reports instead of scanning (one per line).',
    commands: ['evaluate'],
    cli: { flag: 'report', placeholder: 'file', variadic: true, mandatory: true },
  }),
  profile: textOption({
    help:
      'Security profile, as a file path or a name in profiles-dir. Empty uses profiles-dir/default.yml, ' +
      'else the built-in default (HIGH, ignore unfixed).',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'path-or-name' },
  }),
  'profiles-dir': textOption({
    help: 'Directory of named profiles.',
    default: 'profiles',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'dir' },
  }),
  'profiles-repo': textOption({
    help:
      'A central repository of profiles the security team reviews: owner/name (GitHub) or a git URL (https, ssh), ' +
      'with an optional @ref. The profile is <owner>/<repo>.yml, else <repo>.yml, else default.yml there.',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'repo[@ref]' },
  }),
  'profiles-token': textOption({
    help: 'Token with read access to profiles-repo (GitHub: a token; GitLab: CI_JOB_TOKEN where allowed).',
    secret: true,
    commands: JUDGE_COMMANDS,
    envOnly: true,
  }),
  'profiles-repo-required': booleanOption({
    help: 'The central profile cannot be replaced by a file in this repository nor loosened by inputs (SOC 2).',
    default: false,
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  'profiles-repo-timeout': integerOption({
    help: 'Seconds the fetch of profiles-repo may take before it is an error.',
    default: 60,
    min: 1,
    max: 3600,
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'seconds' },
  }),
  severity: severityOption({
    help: "Override the profile's threshold: UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL.",
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'level' },
  }),
  'ignore-unfixed': booleanOption({
    help: "Override the profile's ignore_unfixed: true or false.",
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  'output-dir': textOption({
    help: 'Where vulngate-results.json, summary.md and the raw Trivy reports are written.',
    default: 'out',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'dir' },
  }),
  'fail-on-findings': booleanOption({
    help: 'Fail when the profile fails the check. false reports without failing.',
    default: true,
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  'sarif-findings': choiceOption({
    help: 'Findings in vulngate.sarif: all (blocking ones as errors, the rest as notes) or blocking.',
    choices: ['all', 'blocking'] as const,
    default: 'all',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'which' },
  }),
  baseline: textOption({
    help:
      'A previous vulngate-results.json to compare with (new, changed, gone), or `auto`: the newest audit record of ' +
      "the default branch for this job (GitHub: the job's artifact; GitLab: the last successful pipeline's).",
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'file-or-auto' },
  }),
  'fail-on': choiceOption({
    help:
      'all: every blocking finding fails the check. new: only blocking findings new since the baseline (or that ' +
      'turned blocking), for pull requests; the rest is still reported.',
    choices: ['all', 'new'] as const,
    default: 'all',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'which' },
  }),
  dockerfile: textOption({
    help: 'Path of the Dockerfile; SARIF results are then located on its FROM line.',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'path' },
  }),
  format: choiceOption({
    help: 'How `profiles lint` prints its report: text, one line each, or json for tooling.',
    choices: ['text', 'json'] as const,
    default: 'text',
    input: false,
    commands: ['lint'],
    cli: { placeholder: 'format' },
  }),
  verbose: booleanOption({
    help: 'Debug output.',
    default: false,
    input: false,
    commands: ALL_COMMANDS,
    cli: { switch: true },
  }),

  vex: listOption({
    help:
      'OpenVEX or CycloneDX VEX documents (files or directories of them, one per line): findings they declare not ' +
      'affected are kept with decision vex and the statement as reason.',
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'file-or-dir', variadic: true },
  }),
  'write-sbom': booleanOption({
    help: 'Write a CycloneDX SBOM of each scanned image and directory into <output-dir>/sbom/ (from the same scan).',
    default: true,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  'tarball-sha256': booleanOption({
    help:
      "Record each tarball's sha256 in the audit record (reads every byte once, alongside the scan; see " +
      'BENCHMARKS.md for its cost).',
    default: true,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  'max-db-age': integerOption({
    help: "Hours after which Trivy's vulnerability DB counts as stale: a warning (see strict-db-age).",
    default: 72,
    min: 1,
    max: 87_600,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'hours' },
  }),
  'strict-db-age': booleanOption({
    help: 'A DB older than max-db-age stops the run as a scanner error (exit 3) instead of a warning.',
    default: false,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'bool' },
  }),

  // Trivy.
  parallel: integerOption({
    help: 'Images scanned at once. Default the number of cores.',
    min: 1,
    max: 64,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'n' },
  }),
  'scan-timeout': integerOption({
    help: 'Per-image Trivy timeout in seconds.',
    default: 900,
    min: 1,
    max: MAX_TIMER_SECONDS,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'seconds' },
  }),
  'trivy-version': textOption({
    help: 'Trivy release to use. Versions without a checksum kept in vulngate need trivy-checksum.',
    default: DEFAULT_TRIVY_VERSION,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'version' },
  }),
  'trivy-checksum': textOption({
    help: 'SHA-256 of the Trivy release archive for this runner, for a version vulngate keeps no checksum for.',
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'sha256' },
  }),
  'trivy-download-url': textOption({
    help: 'Release URL template with {version} and {asset}, for mirrors.',
    default: DEFAULT_TRIVY_DOWNLOAD_URL,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'template' },
  }),
  'cache-dir': textOption({
    help:
      'Trivy cache directory (vulnerability DB). Default under RUNNER_TEMP in the action, ' +
      '~/.cache/vulngate/trivy in the CLI.',
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'dir' },
  }),
  'tool-dir': textOption({
    help: 'Where downloaded Trivy binaries are kept. Default ~/.cache/vulngate/tools.',
    input: false,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'dir' },
  }),
  'cache-db': booleanOption({
    help: 'Restore and save the Trivy DB with the Actions cache (one key per day).',
    default: true,
  }),
  'layer-cache': booleanOption({
    help:
      "Keep Trivy's layer cache between runs (in cache-dir; in the action also with the Actions cache), " +
      'so unchanged layers are not analysed again.',
    default: true,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  'layer-cache-max-mb': integerOption({
    help: 'Bound of the layer cache in MB; a larger one (or one older than 7 days, or from another Trivy) starts anew.',
    default: 2048,
    min: 16,
    max: 1_048_576,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'mb' },
  }),
  'db-repository': listOption({
    help: 'OCI repositories of the Trivy DB, tried in order (one per line), for mirrors.',
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'repo', variadic: true },
  }),
  'java-db': booleanOption({
    help: "Also prepare Trivy's Java DB, so findings in JARs are not missing.",
    default: true,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  offline: booleanOption({
    help: 'Use the DB already in cache-dir and never download.',
    default: false,
    commands: SCAN_COMMANDS,
    cli: { switch: true },
  }),
  'trivy-server': urlOption({
    help: 'Scan as a client of this Trivy server (URL) instead of downloading the DB.',
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'url' },
  }),
  'trivy-server-token': textOption({
    help: 'Token for trivy-server.',
    secret: true,
    commands: SCAN_COMMANDS,
    envOnly: true,
  }),
} satisfies Record<string, OptionSpec<unknown>>;
