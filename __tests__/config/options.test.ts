import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  OPTION_NAMES,
  commandOptions,
  envName,
  flagName,
  inputEnvName,
  optionSpec,
  readActionInputs,
} from '../../src/config/options.js';
import { actionSettings } from '../../src/config/run-settings.js';
import { cliInProcess, summaryOf } from '../../test/support/cli.ts';
import { reportPath } from '../../test/support/paths.ts';

test('names are derived once: input, flag and variable', () => {
  expect(inputEnvName('scan-timeout')).toBe('INPUT_SCAN-TIMEOUT');
  expect(envName('scan-timeout')).toBe('VULNGATE_SCAN_TIMEOUT');
  expect(flagName('scan-timeout')).toBe('--scan-timeout');
  expect(flagName('reports')).toBe('--report');
});

test('every option says what it is for and appears somewhere', () => {
  expect.hasAssertions();
  for (const name of OPTION_NAMES) {
    const spec = optionSpec(name);
    expect(spec.help.length).toBeGreaterThan(10);
    expect(spec.input || spec.commands.length > 0).toBe(true);
  }
});

test('tokens never become flags of their own in process lists, except where the old CLI had one', () => {
  expect.hasAssertions();
  expect(optionSpec('trivy-server-token').envOnly).toBe(true);
  expect(optionSpec('profiles-token').envOnly).toBe(true);
  expect(OPTION_NAMES.filter((n) => optionSpec(n).secret)).toEqual([
    'profiles-token',
    'registry-password',
    'trivy-server-token',
    'github-token',
    'defectdojo-token',
    'gitlab-token',
    'jira-token',
    'elasticsearch-api-key',
    'elasticsearch-password',
  ]);
  for (const name of [
    'github-token',
    'gitlab-token',
    'jira-token',
    'elasticsearch-api-key',
    'elasticsearch-password',
  ] as const)
    expect(optionSpec(name).envOnly).toBe(true);
});

test('the action reads INPUT_* from the environment it is given, with the table’s defaults', () => {
  const { values, label } = readActionInputs({
    'INPUT_SCAN-TIMEOUT': ' 60 ',
    INPUT_IMAGES: 'a/*.tar\nb/*.tar',
    INPUT_OFFLINE: 'true',
  });
  expect(values['scan-timeout']).toBe(60);
  expect(values.images).toEqual(['a/*.tar', 'b/*.tar']);
  expect(values.offline).toBe(true);
  expect(values['output-dir']).toBe('out');
  expect(values['artifact-retention-days']).toBe(30);
  expect(values.verbose).toBe(false);
  expect(label('scan-timeout')).toBe('scan-timeout');
  const defaults = readActionInputs({}).values;
  // No default of its own: tar_images/*.tar applies unless only fs or sbom is given (the next test).
  expect(defaults.images).toEqual([]);
  expect(defaults['fail-on-findings']).toBe(true);
  expect(defaults['sarif-findings']).toBe('all');
});

test('the action never reads process.env for inputs', () => {
  process.env['INPUT_OUTPUT-DIR'] = 'from-process-env';
  try {
    expect(readActionInputs({}).values['output-dir']).toBe('out');
  } finally {
    delete process.env['INPUT_OUTPUT-DIR'];
  }
});

test.each([
  ['INPUT_SCAN-TIMEOUT', '2147484', "scan-timeout: '2147484' must be a whole number from 1 to 2147483"],
  ['INPUT_ARTIFACT-RETENTION-DAYS', '91', "artifact-retention-days: '91' must be a whole number from 1 to 90"],
  ['INPUT_SARIF-FINDINGS', 'some', "sarif-findings: 'some' is not allowed; allowed: all, blocking"],
  ['INPUT_JAVA-DB', 'perhaps', "java-db: 'perhaps' is not a boolean; allowed: true, false"],
])('a bad %s=%s names the input', (variable, value, message) => {
  expect(() => readActionInputs({ [variable]: value })).toThrow(message);
});

test('the action scans, or judges reports when `reports` is set', () => {
  const scan = actionSettings(readActionInputs({ RUNNER_TEMP: '/runner/tmp' }), { RUNNER_TEMP: '/runner/tmp' });
  expect(scan.gate.source).toEqual({ kind: 'scan', images: ['tar_images/*.tar'], fs: [], sboms: [] });
  // Only code: no images are looked for; with images too, both.
  const code = actionSettings(readActionInputs({ INPUT_FS: '.\nservices/api', INPUT_SBOM: 'app.cdx.json' }), {});
  expect(code.gate.source).toEqual({ kind: 'scan', images: [], fs: ['.', 'services/api'], sboms: ['app.cdx.json'] });
  const both = actionSettings(readActionInputs({ INPUT_FS: '.', INPUT_IMAGES: 'build/*.tar' }), {});
  expect(both.gate.source).toEqual({ kind: 'scan', images: ['build/*.tar'], fs: ['.'], sboms: [] });
  expect(scan.trivy?.cacheDir).toBe('/runner/tmp/vulngate-trivy-cache');
  expect(scan.trivy?.timeoutSeconds).toBe(900);
  const judged = actionSettings(readActionInputs({ INPUT_REPORTS: 'a.json' }), {});
  expect(judged.gate.source).toEqual({ kind: 'reports', reports: ['a.json'] });
});

describe('the CLI', () => {
  test("each command's --help lists exactly its options from the table", async () => {
    expect.hasAssertions();
    for (const command of ['scan', 'evaluate', 'forward'] as const) {
      const help = (await cliInProcess([command, '--help'])).stdout;
      for (const name of commandOptions(command)) {
        if (optionSpec(name).envOnly) expect(help).not.toContain(`${flagName(name)} `);
        else expect(help).toContain(flagName(name));
      }
    }
    expect((await cliInProcess(['scan', '--help'])).stdout).toContain('(default: 900)');
    expect((await cliInProcess(['evaluate', '--help'])).stdout).not.toContain('--scan-timeout');
  });

  test('a bad VULNGATE_* value is named by its variable, a bad flag by its flag', async () => {
    const args = ['evaluate', '--report', reportPath('alpine-39'), '--output-dir', '/nonexistent/never-written'];
    const byVariable = await cliInProcess(args, { env: { VULNGATE_SEVERITY: 'SEVERE' } });
    expect(byVariable.code).toBe(2);
    expect(byVariable.stderr.trim()).toBe(
      "vulngate: VULNGATE_SEVERITY: 'SEVERE' is not a severity; allowed: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL",
    );
    const byFlag = await cliInProcess([...args, '--fail-on-findings', 'often']);
    expect(byFlag.stderr.trim()).toBe("vulngate: --fail-on-findings: 'often' is not a boolean; allowed: true, false");
  });

  test('a flag wins over its variable; a variable over the default', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vg-opt-'));
    const report = ['evaluate', '--report', reportPath('alpine-39'), '--output-dir', dir];
    const env = { VULNGATE_SEVERITY: 'CRITICAL', VULNGATE_FAIL_ON_FINDINGS: 'false' };
    const fromEnv = await cliInProcess(report, { env });
    expect(summaryOf(fromEnv)).toContain('fails on CRITICAL and above');
    expect(fromEnv.code).toBe(0);
    const fromFlag = await cliInProcess([...report, '--severity', 'LOW'], { env });
    expect(summaryOf(fromFlag)).toContain('fails on LOW and above');
  });

  test('a mandatory option may come from its variable', async () => {
    const missing = await cliInProcess(['forward']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: required option '--from <dir>' not specified");
    const fromEnv = await cliInProcess(['forward'], {
      env: { VULNGATE_FROM: mkdtempSync(path.join(tmpdir(), 'vg-from-')) },
    });
    expect(fromEnv.stderr).toContain('Nothing to send');
    expect(fromEnv.code).toBe(0);
  });
});
