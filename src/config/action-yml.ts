import yaml from 'js-yaml';
import { OPTION_NAMES, optionSpec } from './options.js';

/** The action's outputs, as src/action/main.ts sets them. */
export const ACTION_OUTPUTS: Record<string, string> = {
  verdict: 'pass, fail, or error (nothing blocks, but an image could not be scanned or read).',
  'blocking-count': 'Number of blocking findings.',
  'findings-count': 'Number of findings judged.',
  'results-file': 'Path of vulngate-results.json.',
  'summary-file': 'Path of summary.md.',
  'sarif-file': 'Path of vulngate.sarif.',
  'gitlab-report-file': 'Path of gl-container-scanning-report.json.',
  'new-count': 'Findings new or changed since the baseline (every finding without one).',
  'gone-count': 'Findings of the baseline not found any more.',
  'gitlab-dependency-report-file': 'Path of gl-dependency-scanning-report.json (empty when no fs or sbom was scanned).',
};

/** action.yml as the option table describes it; a test keeps the committed file equal to this. */
export function renderActionYml(): string {
  const inputs = Object.fromEntries(
    OPTION_NAMES.filter((name) => optionSpec(name).input).map((name) => {
      const spec = optionSpec(name);
      return [name, { description: spec.help, default: spec.actionDefault ?? spec.defaultText }];
    }),
  );
  const action = {
    name: 'vulngate',
    description:
      "Scan image tarballs and code dependencies with Trivy; fail only when the project's security profile says so.",
    author: 'vulngate',
    branding: { icon: 'shield', color: 'red' },
    inputs,
    outputs: Object.fromEntries(Object.entries(ACTION_OUTPUTS).map(([name, description]) => [name, { description }])),
    runs: { using: 'node24', main: 'dist/index.js' },
  };
  const header =
    '# Generated from the option table (src/config/options.ts): `UPDATE_GOLDEN=1 npm run test:unit` rewrites it.\n';
  return header + yaml.dump(action, { lineWidth: -1, noRefs: true, quotingType: "'" });
}
