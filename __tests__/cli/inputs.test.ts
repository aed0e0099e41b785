// Careless and hostile inputs at the level a user meets them: the CLI (from src/, in process).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliInProcess, summaryOf } from '../../test/support/cli.ts';
import { reportPath } from '../../test/support/paths.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-inputs-'));
const write = (name: string, text: string) => {
  const file = path.join(tmp(), name);
  writeFileSync(file, text);
  return file;
};
const results = (out: string) => JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));

test.each([
  ['a blank note', "exceptions:\n  - id: CVE-1\n    note: '   '\n", 'exceptions[0].note: must not be blank'],
  ['a blank id', "exceptions:\n  - id: ' '\n    note: why\n", 'exceptions[0].id: must not be blank'],
])('%s is a profile error naming the key', async (_, yaml, message) => {
  const profile = write('p.yml', yaml);
  const run = await cliInProcess([
    'evaluate',
    '--report',
    reportPath('alpine-39'),
    '--profile',
    profile,
    '--output-dir',
    tmp(),
  ]);
  expect(run.code).toBe(2);
  expect(run.stderr.trim()).toBe(`vulngate: ${profile}: ${message}`);
});

test('a YAML alias bomb in a profile: one short line, not hundreds of MB', async () => {
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'exceptions:',
    '  - id: CVE-1',
    '    note: *f',
  ].join('\n');
  const profile = write('bomb.yml', bomb);
  const run = await cliInProcess([
    'evaluate',
    '--report',
    reportPath('alpine-39'),
    '--profile',
    profile,
    '--output-dir',
    tmp(),
  ]);
  expect(run.code).toBe(2);
  expect(run.stderr.length).toBeLessThan(400);
  expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
});

test('an output dir that is a file: exit 2 naming output-dir, nothing else', async () => {
  const file = write('out', 'not a directory');
  const run = await cliInProcess(['evaluate', '--report', reportPath('alpine-39'), '--output-dir', file]);
  expect(run.code).toBe(2);
  expect(run.stderr.trim()).toMatch(
    /^vulngate: output-dir: cannot write into '.*out' \(E(NOTDIR|EXIST)\); give a directory$/m,
  );
});

test('two reports of one tag stay two images, each with its own findings; the reports are kept in reports/', async () => {
  const copy = write('again.json', readFileSync(reportPath('alpine-39'), 'utf8'));
  const out = tmp();
  const run = await cliInProcess([
    'evaluate',
    '--report',
    reportPath('alpine-39'),
    '--report',
    copy,
    '--output-dir',
    out,
  ]);
  expect(run.code).toBe(1);
  const r = results(out);
  const names = r.images.map((i: { name: string }) => i.name);
  expect(names).toEqual([
    'ghcr.io/aquasecurity/trivy-test-images:alpine-39',
    'ghcr.io/aquasecurity/trivy-test-images:alpine-39 (again.json)',
  ]);
  const perImage = (name: string) => r.findings.filter((f: { image: string }) => f.image === name).length;
  expect(perImage(names[0])).toBeGreaterThan(0);
  expect(perImage(names[1])).toBe(perImage(names[0]));
  expect(r.images[1].counts).toEqual(r.images[0].counts);
  expect(existsSync(path.join(out, 'reports', '001-alpine-39.json'))).toBe(true);
  expect(existsSync(path.join(out, 'reports', '002-again.json'))).toBe(true);
});

test('one package at two versions under one id: two SARIF fingerprints and two GitLab ids', async () => {
  const vuln = (v: string) => ({
    VulnerabilityID: 'RUSTSEC-2019-0035',
    PkgName: 'rand_core',
    InstalledVersion: v,
    FixedVersion: '0.4.2',
    Severity: 'HIGH',
  });
  const report = {
    SchemaVersion: 2,
    ArtifactName: 'app',
    Results: [
      { Target: 'Cargo.lock', Class: 'lang-pkgs', Type: 'cargo', Vulnerabilities: [vuln('0.3.1'), vuln('0.4.0')] },
    ],
  };
  const out = tmp();
  await cliInProcess(['evaluate', '--report', write('cargo.json', JSON.stringify(report)), '--output-dir', out]);
  const sarif = JSON.parse(readFileSync(path.join(out, 'vulngate.sarif'), 'utf8'));
  const prints = sarif.runs[0].results.map(
    (x: { partialFingerprints: Record<string, string> }) => x.partialFingerprints['vulngateFinding/v2'],
  );
  expect(new Set(prints).size).toBe(2);
  const gitlab = JSON.parse(readFileSync(path.join(out, 'gl-container-scanning-report.json'), 'utf8'));
  expect(new Set(gitlab.vulnerabilities.map((v: { id: string }) => v.id)).size).toBe(2);
});

describe('report kinds', () => {
  test('only misconfigurations and licences: the summary and the log say they were not judged', async () => {
    const report = {
      SchemaVersion: 2,
      ArtifactName: 'iac',
      Results: [
        {
          Target: 'Dockerfile',
          Misconfigurations: [{ ID: 'DS002' }, { ID: 'DS026' }],
          Licenses: [{ Name: 'GPL-3.0' }],
        },
      ],
    };
    const out = tmp();
    const run = await cliInProcess([
      'evaluate',
      '--report',
      write('iac.json', JSON.stringify(report)),
      '--output-dir',
      out,
    ]);
    expect(run.code).toBe(0);
    expect(summaryOf(run)).toContain('⚠️ Not judged: 2 misconfigurations and 1 licence in the reports.');
    expect(run.stderr).toContain('warning: Misconfigurations or licences in the reports of iac are not judged');
    expect(results(out).images[0].notJudged).toEqual({ misconfigurations: 2, licenses: 1 });
  });

  test('a report of Trivy before 0.20 (a top-level list) is named as such; exit 3, and the verdict is not pass', async () => {
    const out = tmp();
    const run = await cliInProcess([
      'evaluate',
      '--report',
      write('old.json', '[{"Target":"x","Vulnerabilities":[]}]'),
      '--output-dir',
      out,
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('a top-level list is the report format of Trivy before 0.20');
    expect(results(out).verdict).toBe('error');
  });

  test('a UTF-8 byte order mark is accepted', async () => {
    const out = tmp();
    const bom = write('bom.json', `\uFEFF${readFileSync(reportPath('alpine-39'), 'utf8')}`);
    const run = await cliInProcess(['evaluate', '--report', bom, '--output-dir', out]);
    expect(run.code).toBe(1);
    expect(results(out).images).toHaveLength(1);
  });
});

test.each([
  [
    ['--trivy-server', 'ftp://trivy.example.com'],
    "vulngate: --trivy-server: 'ftp://trivy.example.com' must use https: or http:",
  ],
  [['--scan-timeout', '9999999'], "vulngate: --scan-timeout: '9999999' must be a whole number from 1 to 2147483"],
])('the CLI checks %j before anything is scanned', async (flags, message) => {
  const run = await cliInProcess(['scan', '--images', 'none/*.tar', ...flags, '--output-dir', tmp()]);
  expect(run.code).toBe(2);
  expect(run.stderr.trim()).toBe(message);
});
