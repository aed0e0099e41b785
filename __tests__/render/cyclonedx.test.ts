// The in-process SBOM on shapes the fixture images do not have: the same package at two paths (one ID, two UIDs),
// and packages without an ID (pip). The comparison with `trivy convert`: __tests__/e2e/evidence.int.test.ts.
import { cyclonedxFromReport } from '../../src/render/cyclonedx.js';

interface Bom {
  components: { 'bom-ref': string; name: string; properties?: { name: string; value: string }[] }[];
  vulnerabilities: { id: string; affects: { ref: string }[] }[];
}
const build = (report: object) =>
  JSON.parse(cyclonedxFromReport(report, { name: 'shop/api:1', now: new Date(0), toolVersion: '0.1.0' })) as Bom;
const pathOf = (bom: Bom, ref: string) =>
  bom.components.find((c) => c['bom-ref'] === ref)?.properties?.find((p) => p.name === 'aquasecurity:trivy:FilePath')
    ?.value;

test('a vulnerability affects the copy of a package its UID names, not the last one of that ID', () => {
  const lodash = (uid: string, file: string) => ({
    ID: 'lodash@4.17.20',
    Name: 'lodash',
    Version: '4.17.20',
    Identifier: { PURL: 'pkg:npm/lodash@4.17.20', UID: uid },
    FilePath: file,
  });
  const bom = build({
    ArtifactType: 'container_image',
    Results: [
      {
        Target: 'Node.js',
        Class: 'lang-pkgs',
        Type: 'node-pkg',
        Packages: [lodash('aaa', 'srv/a/node_modules/lodash/package.json'), lodash('bbb', 'srv/b/node_modules/lodash/package.json')],
        Vulnerabilities: [
          { VulnerabilityID: 'CVE-2021-23337', PkgID: 'lodash@4.17.20', PkgName: 'lodash', InstalledVersion: '4.17.20',
            PkgIdentifier: { PURL: 'pkg:npm/lodash@4.17.20', UID: 'aaa' }, Severity: 'HIGH' },
        ],
      },
    ],
  }); // prettier-ignore
  expect(bom.components.map((c) => c.name)).toEqual(['lodash', 'lodash']);
  expect(new Set(bom.components.map((c) => c['bom-ref'])).size).toBe(2);
  const affected = bom.vulnerabilities[0]!.affects.map((a) => pathOf(bom, a.ref));
  expect(affected).toEqual(['srv/a/node_modules/lodash/package.json']);
});

test('pip packages have no ID: a vulnerability finds its package by name and version', () => {
  const bom = build({
    ArtifactType: 'filesystem',
    Results: [
      {
        Target: 'requirements.txt',
        Class: 'lang-pkgs',
        Type: 'pip',
        Packages: [{ Name: 'django', Version: '3.2.0', Identifier: { PURL: 'pkg:pypi/django@3.2.0' } }],
        Vulnerabilities: [{ VulnerabilityID: 'CVE-2023-31047', PkgName: 'django', InstalledVersion: '3.2.0', Severity: 'CRITICAL' }],
      },
    ],
  }); // prettier-ignore
  expect(bom.vulnerabilities.map((v) => [v.id, v.affects.map((a) => a.ref)])).toEqual([
    ['CVE-2023-31047', ['pkg:pypi/django@3.2.0']],
  ]);
});
