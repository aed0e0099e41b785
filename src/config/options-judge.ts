import {
  ALL_COMMANDS,
  JUDGE_COMMANDS,
  booleanOption,
  choiceOption,
  integerOption,
  listOption,
  severityOption,
  textOption,
  type OptionSpec,
} from './option-types.js';

/** What to judge and how, and where the profile comes from: part of the option table (src/config/options.ts). */
export const JUDGE_OPTIONS = {
  // What to judge, and how.
  images: listOption({
    help:
      'Images to scan, one per line or comma-separated: tarballs from `docker save` and OCI layouts (globs), ' +
      'registry references with a tag or digest (registry.example.com/shop/api:1.2, registry://NAME), or ' +
      'docker:NAME:TAG from the local Docker engine. Default tar_images/*.tar, unless only fs or sbom is given.',
    commands: ['scan'],
    cli: { placeholder: 'image', variadic: true },
  }),
  fs: listOption({
    help: "Directories of code whose dependencies (lockfiles) and secrets to scan with `trivy fs` (one per line): '.'.",
    commands: ['scan'],
    cli: { placeholder: 'dir', variadic: true },
  }),
  sbom: listOption({
    help: 'CycloneDX or SPDX JSON SBOMs from the build to scan with `trivy sbom` (one per line).',
    commands: ['scan'],
    cli: { placeholder: 'file', variadic: true },
  }),
  'target-identity': listOption({
    help:
      "Set a target's identity (what the baseline, DefectDojo tests, issues and SARIF key on): PATTERN=IDENTITY, " +
      'PATTERN a glob on the tarball, report or image name (e.g. tar_images/api-*.tar=shop/api), one per line.',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'glob=identity', variadic: true },
  }),
  reports: listOption({
    help: 'Judge these existing Trivy JSON reports instead of scanning (globs, one per line or comma-separated).',
    commands: ['evaluate'],
    cli: { flag: 'report', placeholder: 'file', variadic: true, mandatory: true },
  }),
  profile: textOption({
    help:
      'Security profile, as a file path or a name in profiles-dir (a name that is not there is an error). Empty uses ' +
      'profiles-dir/default.yml, else the built-in default (HIGH, ignore unfixed).',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'path-or-name' },
  }),
  'profiles-dir': textOption({
    help: 'Directory of named profiles.',
    default: 'profiles',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'dir' },
  }),
  'profiles-repo': textOption({
    help:
      'A central repository of profiles the security team reviews: owner/name (GitHub) or a git URL (https, ssh), ' +
      'with an optional @ref. The profile is <owner>/<repo>.yml, else <repo>.yml, else default.yml there.',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'repo[@ref]' },
  }),
  'profiles-token': textOption({
    help: 'Token with read access to profiles-repo (GitHub: a token; GitLab: CI_JOB_TOKEN where allowed).',
    secret: true,
    commands: ALL_COMMANDS,
    envOnly: true,
  }),
  'profiles-repo-required': booleanOption({
    help: 'The central profile cannot be replaced by a file in this repository nor loosened by inputs (SOC 2).',
    default: false,
    commands: ALL_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  'profiles-repo-timeout': integerOption({
    help: 'Seconds the fetch of profiles-repo may take before it is an error.',
    default: 60,
    min: 1,
    max: 3600,
    commands: ALL_COMMANDS,
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
    cli: { placeholder: 'dir', short: 'o' },
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
  'kev-feed': listOption({
    help:
      "CISA's KEV catalogue, for a profile's `kev`: URLs or files tried in order (mirrors, or a file for " +
      'air-gapped runners); fetched once per run, kept one per day in cache-dir.',
    default: ['https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json'],
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'url-or-file', variadic: true },
  }),
  'epss-feed': listOption({
    help:
      "FIRST's daily EPSS scores (CSV, gzip or plain), for a profile's `epss`: URLs or files tried in order; " +
      'fetched once per run, kept one per day in cache-dir.',
    default: ['https://epss.cyentia.com/epss_scores-current.csv.gz'],
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'url-or-file', variadic: true },
  }),
  'max-feed-age': integerOption({
    help: 'Hours after which the KEV or EPSS feed counts as stale: a warning in the log, summary and record.',
    default: 72,
    min: 1,
    max: 8760,
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'hours' },
  }),
  dockerfile: textOption({
    help: 'Path of the Dockerfile; SARIF results are then located on its FROM line.',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'path' },
  }),
  format: choiceOption({
    help:
      'What the terminal gets: table (aligned, coloured on a TTY; the default), markdown (summary.md), json ' +
      '(the audit record; `profiles lint`: its report). The files in output-dir are written either way.',
    choices: ['table', 'text', 'markdown', 'json'] as const,
    default: 'table',
    input: false,
    commands: ['scan', 'evaluate', 'lint'],
    cli: { placeholder: 'format', short: 'f' },
  }),
  quiet: booleanOption({
    help: 'Only the verdict, warnings and errors.',
    default: false,
    input: false,
    commands: ALL_COMMANDS,
    cli: { switch: true, short: 'q' },
  }),
  strict: booleanOption({
    help: "`profiles lint`: exit 1 when an exception has expired (for the profiles repository's CI).",
    default: false,
    input: false,
    commands: ['lint'],
    cli: { switch: true },
  }),
  timings: booleanOption({
    help: 'Print where the run spent its time, phase by phase (otherwise in the debug log).',
    default: false,
    commands: JUDGE_COMMANDS,
    cli: { switch: true },
  }),
  verbose: booleanOption({
    help: 'Debug output.',
    default: false,
    input: false,
    commands: ALL_COMMANDS,
    cli: { switch: true },
  }),
} satisfies Record<string, OptionSpec<unknown>>;
