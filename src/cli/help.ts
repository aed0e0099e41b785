import type { OptionName } from '../config/options.js';

/** Groups of `--help`, in the order a user looks for them; an option not listed is a delivery option. */
const GROUPS: [string, readonly OptionName[]][] = [
  ['What to scan:', ['images', 'fs', 'sbom', 'reports', 'vex', 'target-identity', 'from']],
  ['Registries:', ['platform', 'registry', 'registry-username', 'registry-password']],
  ['Cluster:', ['kubeconfig', 'namespaces', 'selector']],
  [
    'Policy:',
    [
      'profile',
      'profiles-dir',
      'profiles-repo',
      'profiles-token',
      'profiles-repo-required',
      'profiles-repo-timeout',
      'severity',
      'ignore-unfixed',
      'fail-on',
      'fail-on-findings',
      'baseline',
      'kev-feed',
      'epss-feed',
      'max-feed-age',
      'strict',
    ],
  ],
  [
    'Output:',
    [
      'output-dir',
      'format',
      'quiet',
      'verbose',
      'timings',
      'sarif-findings',
      'dockerfile',
      'write-sbom',
      'tarball-sha256',
    ],
  ],
  [
    'Trivy:',
    [
      'parallel',
      'scan-timeout',
      'heartbeat',
      'trivy-version',
      'trivy-checksum',
      'trivy-download-url',
      'trivy-server',
      'trivy-server-token',
      'db-repository',
      'java-db',
      'offline',
      'max-db-age',
      'strict-db-age',
    ],
  ],
  ['Cache:', ['cache-dir', 'tool-dir', 'cache-db', 'layer-cache', 'layer-cache-max-mb']],
];

/** The `--help` heading an option is listed under. */
export function helpGroup(name: OptionName): string {
  return GROUPS.find(([, names]) => names.includes(name))?.[0] ?? 'Delivery (SQS, DefectDojo, trackers):';
}

/** A few examples per command, shown after its options: what it does, then the line to type. */
export const EXAMPLES: Record<'scan' | 'evaluate' | 'forward' | 'lint' | 'cluster', [string, string][]> = {
  scan: [
    ['Tarballs from docker save, judged with profiles/default.yml:', "vulngate scan --images 'tar_images/*.tar'"],
    [
      'A pushed image by digest, every platform, with the Docker login of the job:',
      'vulngate scan --images ghcr.io/acme/api@sha256:… --platform all',
    ],
    [
      "The image and the repository's lockfiles, strict profile:",
      'vulngate scan --images api.tar --fs . --profile strict',
    ],
    ['Only what this change brings in, the verdict alone:', 'vulngate scan --baseline main.json --fail-on new -q'],
  ],
  evaluate: [
    ['Judge a Trivy JSON report you already have:', 'vulngate evaluate --report trivy.json'],
    ['Several reports, the audit record on stdout:', "vulngate evaluate --report 'reports/*.json' -f json"],
  ],
  forward: [['Send what an earlier run could not deliver:', 'vulngate forward --from out/']],
  cluster: [
    ['Every running image of the current kubeconfig context:', 'vulngate cluster -o out/'],
    ['Two namespaces, with the last night as baseline:', 'vulngate cluster --namespaces shop,pay --baseline last.json'],
  ],
  lint: [
    ['Every profile of this repository:', 'vulngate profiles lint'],
    ['In CI, failing on expired exceptions, for tooling:', 'vulngate profiles lint --strict --format json'],
  ],
};

/** The examples block commander prints after a command's help. */
export function examplesText(command: keyof typeof EXAMPLES): string {
  const lines = EXAMPLES[command].map(([what, line]) => `  # ${what}\n  ${line}`);
  return `\nExamples:\n${lines.join('\n\n')}\n`;
}
