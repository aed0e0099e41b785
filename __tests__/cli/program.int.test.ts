import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliFromDist, cliInProcess, summaryOf } from '../../test/support/cli.ts';
import { reportPath } from '../../test/support/paths.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-cli-'));

function profileFile(text: string): string {
  const file = path.join(tmp(), 'profile.yml');
  writeFileSync(file, text);
  return file;
}

describe('vulngate evaluate', () => {
  test('alpine-39, severity HIGH, ignore_unfixed false: exit 1, exactly the HIGH+ findings block', async () => {
    const out = tmp();
    const run = await cliInProcess([
      'evaluate',
      '--report',
      reportPath('alpine-39'),
      '--profile',
      profileFile('severity: HIGH\nignore_unfixed: false\n'),
      '--output-dir',
      out,
    ]);
    expect(run.code).toBe(1);
    const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
    expect(results.verdict).toBe('fail');
    expect(
      results.findings
        .filter((f: { decision: string }) => f.decision === 'blocking')
        .map((f: { id: string; package: string }) => `${f.id}/${f.package}`),
    ).toEqual(['CVE-2019-14697/musl', 'CVE-2019-14697/musl-utils']);
    expect(results.images).toEqual([
      expect.objectContaining({
        name: 'ghcr.io/aquasecurity/trivy-test-images:alpine-39',
        counts: { blocking: 2, excepted: 0, vex: 0, unfixed: 0, 'below-threshold': 4 },
      }),
    ]);
    expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toContain(
      '❌ vulngate: FAIL — 2 blocking findings in 1 of 1 image',
    );
    expect(summaryOf(run)).toContain('### Blocking findings (2)');
  });

  test('debian-buster, severity LOW, ignore_unfixed true: the unfixed finding is not blocking', async () => {
    const out = tmp();
    const run = await cliInProcess([
      'evaluate',
      '--report',
      reportPath('debian-buster'),
      '--severity',
      'LOW',
      '--ignore-unfixed',
      'true',
      '--output-dir',
      out,
      '--profiles-dir',
      tmp(),
    ]);
    const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
    expect(results.findings.map((f: { id: string; decision: string }) => `${f.id}:${f.decision}`)).toEqual([
      'CVE-2019-18276:unfixed',
      'CVE-2019-18224:blocking',
    ]);
    expect(run.code).toBe(1);
  });

  test('an exception makes it pass: exit 0', async () => {
    const profile = profileFile(
      'exceptions:\n  - id: CVE-2019-14697\n    note: musl fix is rolled out next sprint\n    until: 2099-01-01\n',
    );
    const run = await cliInProcess([
      'evaluate',
      '--report',
      reportPath('alpine-39'),
      '--profile',
      profile,
      '--output-dir',
      tmp(),
    ]);
    expect(run.code).toBe(0);
    expect(summaryOf(run)).toContain('✅ vulngate: PASS');
  });

  test('--fail-on-findings false reports without failing', async () => {
    const run = await cliInProcess([
      'evaluate',
      '--report',
      reportPath('alpine-39'),
      '--fail-on-findings',
      'false',
      '--output-dir',
      tmp(),
      '--ignore-unfixed',
      'false',
    ]);
    expect(run.code).toBe(0);
    expect(summaryOf(run)).toContain('fail-on-findings is off');
  });

  test('several reports; VULNGATE_* variables; a flag wins over its variable', async () => {
    const out = tmp();
    const run = await cliInProcess(
      [
        'evaluate',
        '--report',
        reportPath('alpine-39'),
        reportPath('centos-7'),
        '--output-dir',
        out,
        '--severity',
        'CRITICAL',
        '--profiles-dir',
        tmp(),
      ],
      {
        env: { VULNGATE_SEVERITY: 'LOW', VULNGATE_IGNORE_UNFIXED: 'false' },
      },
    );
    const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
    // Overrides are recorded as overrides, with where each came from: never as the profile's own values.
    expect(results.profile).toEqual({
      source: 'built-in default',
      severity: 'CRITICAL',
      ignoreUnfixed: false,
      overrides: [
        { key: 'severity', value: 'CRITICAL', profileValue: 'HIGH', from: '--severity' },
        { key: 'ignore_unfixed', value: false, profileValue: true, from: 'VULNGATE_IGNORE_UNFIXED' },
      ],
    });
    expect(summaryOf(run)).toContain(
      'Overridden: severity CRITICAL by `--severity` (the profile says HIGH); ignore_unfixed false by ' +
        '`VULNGATE_IGNORE_UNFIXED` (the profile says true).',
    );
    expect(results.images).toHaveLength(2);
    expect(run.code).toBe(1);
  });

  test('expired exceptions warn with id, package, date and note', async () => {
    const profile = profileFile(
      'exceptions:\n  - id: CVE-2019-14697\n    package: musl\n    note: waiting for upstream\n    until: 2026-11-22\n',
    );
    const run = await cliInProcess(
      ['evaluate', '--report', reportPath('alpine-39'), '--profile', profile, '--output-dir', tmp()],
      { now: new Date('2026-11-23T08:00:00Z') },
    );
    expect(run.stderr).toContain(
      'warning: Exception CVE-2019-14697 (musl) expired on 2026-11-22 and no longer applies; it would cover 1 finding(s), which now count. Note: waiting for upstream',
    );
  });
});

describe('errors: one line, a meaningful exit code, no stack trace', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['unknown command', ['frobnicate'], 2, /unknown command 'frobnicate'/],
    ['unknown flag', ['evaluate', '--report', 'x.json', '--sevrity', 'HIGH'], 2, /unknown option '--sevrity'/],
    ['missing --report', ['evaluate'], 2, /required option '--report <file\.\.\.>' not specified/],
    [
      'bad --severity',
      ['evaluate', '--report', 'x.json', '--severity', 'SEVERE'],
      2,
      /^vulngate: --severity: 'SEVERE' is not a severity; allowed: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL$/m,
    ],
    [
      'bad --ignore-unfixed',
      ['evaluate', '--report', 'x.json', '--ignore-unfixed', 'maybe'],
      2,
      /^vulngate: --ignore-unfixed: 'maybe' is not a boolean; allowed: true, false$/m,
    ],
    [
      'bad --parallel',
      ['scan', '--parallel', '0'],
      2,
      /^vulngate: --parallel: '0' must be a whole number from 1 to 64$/m,
    ],
    [
      'bad --trivy-version',
      ['scan', '--trivy-version', 'latest'],
      2,
      /^vulngate: trivy-version: 'latest' is not a release version like 0\.74\.0$/m,
    ],
    [
      'missing profile file',
      ['evaluate', '--report', 'x.json', '--profile', 'nope/p.yml'],
      2,
      /^vulngate: profile 'nope\/p\.yml': no such file$/m,
    ],
    [
      'no tarballs match',
      ['scan', '--images', 'no-such-dir/*.tar'],
      2,
      /^vulngate: images: no file matches 'no-such-dir\/\*\.tar' \(expected image tarballs from docker save, or OCI layout directories\)$/m,
    ],
  ];
  test.each(cases)('%s (dist, Node 24)', (_, argv, code, message) => {
    const run = cliFromDist([...argv, '--output-dir', tmp()]);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  test('a bad profile: exit 2, names file and key, nothing written', () => {
    const out = path.join(tmp(), 'out');
    const profile = profileFile('severity: HIGH\nexceptions:\n  - id: CVE-1\n');
    const run = cliFromDist([
      'evaluate',
      '--report',
      reportPath('alpine-39'),
      '--profile',
      profile,
      '--output-dir',
      out,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `vulngate: ${profile}: exceptions[0]: an exception needs 'note' (why the finding is accepted)`,
    );
    expect(() => readFileSync(path.join(out, 'vulngate-results.json'))).toThrow();
  });

  test('a bad report: exit 3, the other reports are still judged and written', () => {
    const dir = tmp();
    const bad = path.join(dir, 'broken.json');
    writeFileSync(bad, '{"SchemaVersion": 1}');
    const out = path.join(dir, 'out');
    const run = cliFromDist(['evaluate', '--report', bad, reportPath('alpine-39'), '--output-dir', out]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `error: ${bad}: SchemaVersion 1; vulngate reads Trivy JSON reports with SchemaVersion 2 (trivy --format json)`,
    );
    const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
    expect(results.images.map((i: { name: string }) => i.name)).toEqual([
      'ghcr.io/aquasecurity/trivy-test-images:alpine-39',
    ]);
    expect(results.errors).toEqual([
      {
        image: 'broken',
        kind: 'image',
        source: bad,
        message: 'SchemaVersion 1; vulngate reads Trivy JSON reports with SchemaVersion 2 (trivy --format json)',
      },
    ]);
  });

  test('a missing report: exit 2 naming it, as a missing tarball is', () => {
    const out = tmp();
    const run = cliFromDist([
      'evaluate',
      '--report',
      reportPath('alpine-39'),
      '--report',
      'nowhere.json',
      '--output-dir',
      out,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n').at(-2)).toBe(
      "vulngate: reports: no such file: 'nowhere.json' (expected Trivy JSON reports)",
    );
    expect(existsSync(path.join(out, 'vulngate-results.json'))).toBe(false);
  });

  test('--help documents every option and the exit codes', () => {
    expect.hasAssertions();
    const run = cliFromDist(['scan', '--help']);
    expect(run.code).toBe(0);
    for (const flag of [
      '--images',
      '--profile',
      '--profiles-dir',
      '--severity',
      '--ignore-unfixed',
      '--output-dir',
      '--fail-on-findings',
      '--parallel',
      '--scan-timeout',
      '--trivy-version',
      '--trivy-checksum',
      '--cache-dir',
      '--offline',
      '--db-repository',
      '--trivy-server',
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expect(cliFromDist(['--help']).stdout).toContain(
      'Exit codes: 0 pass, 1 the profile failed the check, 2 bad usage or configuration, 3 the scanner failed',
    );
  });
});
