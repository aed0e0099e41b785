import { DEFAULT_TRIVY_DOWNLOAD_URL, DEFAULT_TRIVY_VERSION } from './trivy.js';
import {
  SCAN_COMMANDS,
  booleanOption,
  integerOption,
  listOption,
  textOption,
  urlOption,
  type OptionSpec,
} from './option-types.js';

/** Node's timers hold at most 2^31 - 1 ms. */
const MAX_TIMER_SECONDS = 2_147_483;

/** How to run Trivy, and the evidence a scan records: part of the option table (src/config/options.ts). */
export const SCAN_OPTIONS = {
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
      "Also record each tarball's sha256 (reads every byte of every tarball, each run; see BENCHMARKS.md). The " +
      'verdict is bound to the image ID either way: Trivy reads only layer copies checked against their diff IDs.',
    default: false,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  kubeconfig: textOption({
    help:
      'cluster: the kubeconfig to read the cluster with (its current context; a token or client certificate). ' +
      "Default KUBECONFIG, ~/.kube/config, else the pod's service account.",
    commands: ['cluster'],
    input: false,
    cli: { placeholder: 'file' },
  }),
  namespaces: listOption({
    help: 'cluster: the namespaces to read (one per line or comma-separated). Default all.',
    commands: ['cluster'],
    input: false,
    cli: { placeholder: 'namespace', variadic: true },
  }),
  selector: textOption({
    help: 'cluster: only pods with these labels (a Kubernetes label selector, e.g. app=api,tier!=test).',
    commands: ['cluster'],
    input: false,
    cli: { placeholder: 'labels' },
  }),
  platform: listOption({
    help:
      'Platforms of a multi-platform registry image to scan: linux/amd64 by default, a list (linux/amd64, ' +
      'linux/arm64), or all. Each platform is its own target.',
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'platform', variadic: true },
  }),
  registry: textOption({
    help:
      'The registry registry-username and registry-password are for (host[:port]); default the one registry the ' +
      'image references name. The login goes to that registry only.',
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'host' },
  }),
  'registry-username': textOption({
    help: "Login for registry images (else the job's Docker config, as docker login writes it).",
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'user' },
  }),
  'registry-password': textOption({
    help: 'Password or token of registry-username.',
    secret: true,
    commands: SCAN_COMMANDS,
    envOnly: true,
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
      'so unchanged layers are not analysed again, and with it the report of each image: an image scanned before ' +
      'with the same Trivy, DBs, flags and VEX is not scanned again.',
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
  heartbeat: integerOption({
    help: 'Seconds after which a scan still running says so in the log, and again every as many.',
    default: 30,
    min: 1,
    max: 3600,
    commands: SCAN_COMMANDS,
    cli: { placeholder: 'seconds' },
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
