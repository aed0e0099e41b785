import { readFileSync } from 'node:fs';
import { ScanError } from '../../src/core/errors.js';
import { nameWithoutExtension, parseTrivyReport } from '../../src/core/trivy-report.js';
import { SHARED_REPORT_NAMES, reportPath } from '../../test/support/paths.ts';

const parse = (name: string) => {
  const file = reportPath(name);
  return parseTrivyReport({ text: readFileSync(file, 'utf8'), reportPath: file, fallbackName: file });
};

describe('parseTrivyReport on the shared Trivy reports', () => {
  test.each(SHARED_REPORT_NAMES)('%s: one finding per vulnerability, image from RepoTags', (name) => {
    expect.hasAssertions();
    const raw = JSON.parse(readFileSync(reportPath(name), 'utf8'));
    const expected = (raw.Results ?? []).reduce(
      (n: number, r: { Vulnerabilities?: unknown[] }) => n + (r.Vulnerabilities?.length ?? 0),
      0,
    );
    const report = parse(name);
    expect(report.findings).toHaveLength(expected);
    expect(report.image).toBe(raw.Metadata.RepoTags[0]);
    for (const f of report.findings) expect(f.image).toBe(report.image);
  });

  test('normalizes every field of a vulnerability', () => {
    const { findings, os, trivyVersion } = parse('debian-buster');
    expect(os).toEqual({ family: 'debian', name: '10.1' });
    expect(trivyVersion).toBe('dev');
    expect(findings[1]).toEqual({
      image: 'ghcr.io/aquasecurity/trivy-test-images:debian-buster',
      targetKind: 'image',
      // The scanned file's path gives way to the image's name: no runner path in any output.
      target: 'ghcr.io/aquasecurity/trivy-test-images:debian-buster (debian 10.1)',
      class: 'os-pkgs',
      type: 'debian',
      kind: 'vulnerability',
      id: 'CVE-2019-18224',
      package: 'libidn2-0',
      pkgId: 'libidn2-0@2.0.5-1',
      purl: 'pkg:deb/debian/libidn2-0@2.0.5-1?arch=amd64&distro=debian-10.1',
      installedVersion: '2.0.5-1',
      fixedVersion: '2.0.5-1+deb10u1',
      status: 'fixed',
      severity: 'CRITICAL',
      title: expect.stringContaining('libidn2'),
      description: expect.any(String),
      primaryUrl: 'https://avd.aquasec.com/nvd/cve-2019-18224',
      references: expect.arrayContaining(['https://www.debian.org/security/2020/dsa-4613']),
      cweIds: ['CWE-787'],
      cvss: 9.8,
      cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    });
    expect(findings[0]).toMatchObject({ id: 'CVE-2019-18276', fixedVersion: '', status: 'affected', severity: 'LOW' });
  });

  test('takes the highest CVSS v3 score over the vendors, else the highest v2', () => {
    expect(parse('debian-buster').findings[0]).toMatchObject({ cvss: 7.8 });
    const report = (cvss: Record<string, unknown>) =>
      parseTrivyReport({
        text: JSON.stringify({
          SchemaVersion: 2,
          Results: [
            { Target: 't', Vulnerabilities: [{ VulnerabilityID: 'CVE-1', SeveritySource: 'nvd', CVSS: cvss }] },
          ],
        }),
        reportPath: 'r.json',
        fallbackName: 'r.json',
      }).findings[0];
    const v3 = {
      nvd: { V3Score: 5.3, V3Vector: 'nvd-vector', V2Score: 9.0 },
      redhat: { V3Score: 8.1, V3Vector: 'rh-vector' },
    };
    expect(report(v3)).toMatchObject({ cvss: 8.1, cvssVector: 'rh-vector' });
    expect(report({ nvd: { V2Score: 4.3 }, ghsa: { V2Score: 6.8, V2Vector: 'AV:N' } })).toMatchObject({
      cvss: 6.8,
      cvssVector: 'AV:N',
    });
    expect(report({ nvd: { V3Score: 0 } })?.cvss).toBeUndefined();
  });

  test('language packages keep their target and type', () => {
    const gems = parse('fluentd-gems').findings.find((f) => f.class === 'lang-pkgs');
    expect(gems).toMatchObject({ target: 'Ruby', type: 'gemspec' });
  });
});

describe('image names', () => {
  const minimal = (extra: object) => JSON.stringify({ SchemaVersion: 2, Results: [], ...extra });

  test.each([
    [
      'RepoTags[0] when present',
      { Metadata: { RepoTags: ['registry/app:1.2', 'app:latest'] } },
      'tar_images/x.tar',
      'registry/app:1.2',
    ],
    [
      'the file name without extension otherwise',
      { Metadata: { RepoTags: [] } },
      'tar_images/api-server.tar',
      'api-server',
    ],
    ['.tar.gz is one extension', {}, 'reports/alpine-310.tar.gz', 'alpine-310'],
    ['reports are named by their file', {}, 'out/web.json', 'web'],
  ])('%s', (_, extra, fallbackName, expected) => {
    expect(parseTrivyReport({ text: minimal(extra), reportPath: 'r.json', fallbackName }).image).toBe(expected);
  });

  test.each([
    ['a/b/app.tar', 'app'],
    ['app.v1.tar', 'app.v1'],
    ['x.tgz', 'x'],
    ['noext', 'noext'],
  ])('nameWithoutExtension(%s) = %s', (input, expected) => expect(nameWithoutExtension(input)).toBe(expected));
});

describe('secrets are findings', () => {
  const report = {
    SchemaVersion: 2,
    ArtifactName: 'app.tar',
    Results: [
      {
        Target: '/app/.env',
        Class: 'secret',
        Secrets: [
          {
            RuleID: 'aws-access-key-id',
            Category: 'AWS',
            Severity: 'CRITICAL',
            Title: 'AWS Access Key ID',
            StartLine: 2,
            Match: 'AWS_ACCESS_KEY_ID=****',
          },
        ],
      },
    ],
  };
  test('id is the rule id, package the file path; the matched text is not kept', () => {
    const [finding] = parseTrivyReport({
      text: JSON.stringify(report),
      reportPath: 'r.json',
      fallbackName: 'app.tar',
    }).findings;
    expect(finding).toMatchObject({
      kind: 'secret',
      id: 'aws-access-key-id',
      package: '/app/.env',
      severity: 'CRITICAL',
      startLine: 2,
    });
    expect(JSON.stringify(finding)).not.toContain('AWS_ACCESS_KEY_ID=');
  });
});

describe('bad reports are one clear ScanError naming the file', () => {
  test.each([
    ['not JSON', '{"SchemaVersion": 2', /^bad\.json: not a Trivy JSON report \(invalid JSON/],
    [
      'a JSON list (Trivy before 0.20)',
      '[]',
      /^bad\.json: a top-level list is the report format of Trivy before 0\.20; /,
    ],
    ['a JSON string', '"x"', /^bad\.json: not a Trivy JSON report \(expected a JSON object\)$/],
    [
      'schema 1',
      '{"SchemaVersion": 1, "Results": []}',
      /^bad\.json: SchemaVersion 1; vulngate reads Trivy JSON reports with SchemaVersion 2/,
    ],
    ['no schema', '{"Results": []}', /^bad\.json: no SchemaVersion; /],
    ['Results not a list', '{"SchemaVersion": 2, "Results": {}}', /^bad\.json: Results must be a list$/],
    [
      'vulnerability without id',
      '{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"PkgName": "x"}]}]}',
      /^bad\.json: Results\[0\]\.Vulnerabilities\[0\]: VulnerabilityID is missing$/,
    ],
  ])('%s', (_, text, message) => {
    const run = () => parseTrivyReport({ text, reportPath: 'bad.json', fallbackName: 'bad.json' });
    expect(run).toThrow(ScanError);
    expect(run).toThrow(message);
  });

  test('unknown extra fields are ignored', () => {
    const text = JSON.stringify({
      SchemaVersion: 2,
      Shiny: true,
      Results: [{ Target: 't', Extra: 1, Vulnerabilities: [{ VulnerabilityID: 'CVE-1', Novel: 'x' }] }],
    });
    expect(parseTrivyReport({ text, reportPath: 'r.json', fallbackName: 'r.json' }).findings).toHaveLength(1);
  });
});

describe('code dependencies and SBOMs', () => {
  const fsReport = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      SchemaVersion: 2,
      ArtifactName: '/builds/shop/services/api',
      ArtifactType: 'filesystem',
      Results: [
        {
          Target: 'package-lock.json',
          Class: 'lang-pkgs',
          Type: 'npm',
          Packages: [
            { ID: 'lodash@4.17.20', Name: 'lodash', Version: '4.17.20', Locations: [{ StartLine: 15, EndLine: 19 }] },
            { ID: 'ms@2.0.0', Name: 'ms', Version: '2.0.0' },
          ],
          Vulnerabilities: [
            {
              VulnerabilityID: 'CVE-2021-23337',
              PkgID: 'lodash@4.17.20',
              PkgName: 'lodash',
              InstalledVersion: '4.17.20',
              FixedVersion: '4.17.21',
              Severity: 'HIGH',
            },
          ],
        },
      ],
      ...extra,
    });

  test('a filesystem report: kind fs, named by its artifact, the package line located, every package listed', () => {
    const report = parseTrivyReport({ text: fsReport(), reportPath: 'r.json', fallbackName: 'r.json' });
    expect(report.kind).toBe('fs');
    expect(report.image).toBe('/builds/shop/services/api');
    expect(report.findings[0]).toMatchObject({ targetKind: 'fs', target: 'package-lock.json', startLine: 15 });
    expect(report.dependencyFiles).toEqual([
      {
        path: 'package-lock.json',
        type: 'npm',
        packages: [
          { name: 'lodash', version: '4.17.20' },
          { name: 'ms', version: '2.0.0' },
        ],
      },
    ]);
    // The scan names it as the user gave it.
    const named = parseTrivyReport({ text: fsReport(), reportPath: 'r.json', fallbackName: 'r.json', name: 'api' });
    expect(named.findings[0]?.image).toBe('api');
  });

  test.each([
    ['repository', 'fs'],
    ['cyclonedx', 'sbom'],
    ['spdx', 'sbom'],
    ['container_image', 'image'],
  ])('ArtifactType %s is %s', (type, kind) => {
    const report = parseTrivyReport({
      text: fsReport({ ArtifactType: type }),
      reportPath: 'r.json',
      fallbackName: 'r.json',
    });
    expect(report.kind).toBe(kind);
  });

  test('an ArtifactType vulngate does not judge is one clear line', () => {
    expect(() =>
      parseTrivyReport({ text: fsReport({ ArtifactType: 'aws_account' }), reportPath: 'r.json', fallbackName: 'r' }),
    ).toThrow(
      'r.json: ArtifactType "aws_account" is not judged; vulngate reads reports of container images, filesystems, ' +
        'repositories, CycloneDX and SPDX SBOMs',
    );
  });
});
