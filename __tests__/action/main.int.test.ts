import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import { run } from '../../src/action/main.js';
import { actionEnvironment, parseOutputs, runDistAction, captureStdout } from '../../test/support/action.ts';
import { writeFixtureImages } from '../../test/support/fixture-images.ts';
import { reportPath } from '../../test/support/paths.ts';
import { freshTrivyCache, pathWithTrivy } from '../../test/support/trivy.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-action-'));

describe('the action from src/ (in process)', () => {
  const saved = { ...process.env };
  const savedExitCode = process.exitCode;
  let written: string[] = [];
  beforeEach(() => {
    written = captureStdout();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
    process.exitCode = savedExitCode;
  });

  test('judges reports, sets outputs, writes the job summary, annotates and fails the step', async () => {
    const out = tmp();
    const { env, outputFile, summaryFile } = actionEnvironment({
      reports: `${reportPath('alpine-39')}\n${reportPath('debian-buster')}`,
      'ignore-unfixed': 'false',
      'output-dir': out,
      'profiles-dir': tmp(),
    });
    Object.assign(process.env, env);
    await run(process.env);
    expect(process.exitCode).toBe(1);
    const outputs = parseOutputs(readFileSync(outputFile, 'utf8'));
    expect(outputs).toEqual({
      verdict: 'fail',
      'blocking-count': '3',
      'findings-count': '8',
      'results-file': path.join(out, 'vulngate-results.json'),
      'summary-file': path.join(out, 'summary.md'),
      'sarif-file': path.join(out, 'vulngate.sarif'),
      'gitlab-report-file': path.join(out, 'gl-container-scanning-report.json'),
      // Only images were judged: no dependency-scanning report.
      'gitlab-dependency-report-file': '',
      // No baseline: every finding counts as new.
      'new-count': '8',
      'gone-count': '0',
    });
    expect(readFileSync(summaryFile, 'utf8')).toContain('## ❌ vulngate: FAIL — 3 blocking findings in 2 of 2 images');
    const commands = written.join('');
    expect(commands).toContain(
      '::error title=CRITICAL CVE-2019-14697 in ghcr.io/aquasecurity/trivy-test-images%3Aalpine-39::musl 1.1.20-r4 → 1.1.20-r5',
    );
    expect(commands).toContain('::error::❌ vulngate: FAIL — 3 blocking findings in 2 of 2 images');
  });

  test('fail-on-findings: false reports without failing', async () => {
    const { env, outputFile } = actionEnvironment({
      reports: reportPath('alpine-39'),
      'fail-on-findings': 'false',
      'ignore-unfixed': 'false',
      'output-dir': tmp(),
      'profiles-dir': tmp(),
    });
    Object.assign(process.env, env);
    await run(process.env);
    expect(process.exitCode).toBe(savedExitCode);
    expect(parseOutputs(readFileSync(outputFile, 'utf8')).verdict).toBe('fail');
    expect(written.join('')).toContain(
      '::warning::❌ vulngate: FAIL — 2 blocking findings in 1 of 1 image (not failing: fail-on-findings is false)',
    );
  });

  test.each([
    ['severity', 'SEVERE', "severity: 'SEVERE' is not a severity; allowed: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL", 2],
    ['fail-on-findings', 'sometimes', "fail-on-findings: 'sometimes' is not a boolean; allowed: true, false", 2],
    ['parallel', 'many', "parallel: 'many' must be a whole number from 1 to 64", 2],
    ['trivy-server', 'ftp://x', "trivy-server: 'ftp://x' must use https: or http:", 2],
    ['trivy-version', 'v9', "trivy-version: 'v9' is not a release version like 0.74.0", 2],
  ])('bad input %s=%s: one line naming the input', async (name, value, message, code) => {
    const { env } = actionEnvironment({ reports: reportPath('alpine-39'), [name]: value, 'output-dir': tmp() });
    Object.assign(process.env, env);
    await run(process.env);
    expect(written.join('')).toContain(`::error::${message}\n`);
    expect(process.exitCode).toBe(code);
  });
});

describe('the action from dist/ on Node 24', () => {
  test('scans real tarballs with the real Trivy: outputs, job summary, failing step', async () => {
    const images = tmp();
    await writeFixtureImages(images, ['debian-app', 'clean']);
    const out = tmp();
    const result = await runDistAction(
      {
        images: `${images}/*.tar`,
        'cache-dir': freshTrivyCache(),
        offline: 'true',
        'output-dir': out,
        'profiles-dir': tmp(),
      },
      { PATH: pathWithTrivy() },
    );
    expect(result.code).toBe(1);
    expect(result.outputs).toMatchObject({ verdict: 'fail', 'blocking-count': '2', 'findings-count': '8' });
    expect(result.summary).toContain('| `vulngate-fixtures/debian-app:1.0` | 1 | 3 | 2 | 1 | 1 | 2 | 0 | 2 | 4 |');
    expect(result.stdout).toContain(
      '::error title=HIGH CVE-2025-9230 in vulngate-fixtures/debian-app%3A1.0::libssl3 3.0.19-1~deb12u2 → 3.0.19-1~deb12u3',
    );
    expect(result.stdout).toContain('::error::❌ vulngate: FAIL — 2 blocking findings in 1 of 2 images');
  });

  test('passes with a profile from profiles-dir that excepts the finding', async () => {
    const images = tmp();
    await writeFixtureImages(images, ['debian-app']);
    const profiles = tmp();
    writeFileSync(
      path.join(profiles, 'debian-app.yml'),
      'exceptions:\n  - id: CVE-2025-9230\n    note: backported fix is in our base image build\n    until: 2099-12-31\n',
    );
    const result = await runDistAction(
      {
        images: `${images}/*.tar`,
        profile: 'debian-app',
        'profiles-dir': profiles,
        'cache-dir': freshTrivyCache(),
        offline: 'true',
        'output-dir': tmp(),
      },
      { PATH: pathWithTrivy() },
    );
    expect(result.code).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.summary).toContain('### Excepted findings (2)');
  });

  test('a bad profile fails the step with one line and exit 2', async () => {
    const profiles = tmp();
    writeFileSync(path.join(profiles, 'default.yml'), 'severity: HIGHEST\n');
    const result = await runDistAction({
      reports: reportPath('alpine-39'),
      'profiles-dir': profiles,
      'output-dir': tmp(),
    });
    expect(result.code).toBe(2);
    expect(result.stdout.trim()).toBe(
      `::error::${path.join(profiles, 'default.yml')}: severity: "HIGHEST" is not a severity; allowed: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL`,
    );
  });
});
