import type { Finding, ImageReport } from '../../src/core/finding.ts';
import type { ExceptionRule, Profile } from '../../src/core/profile.ts';

/** A finding with every field filled; tests override what they are about. */
export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    image: 'registry.example.com/shop/api:1.4.2',
    targetKind: 'image',
    target: 'api.tar (debian 12.11)',
    class: 'os-pkgs',
    type: 'debian',
    kind: 'vulnerability',
    id: 'CVE-2024-0001',
    package: 'openssl',
    pkgId: 'openssl@3.0.11-1',
    purl: 'pkg:deb/debian/openssl@3.0.11-1',
    installedVersion: '3.0.11-1',
    fixedVersion: '3.0.11-2',
    status: 'fixed',
    severity: 'HIGH',
    title: 'openssl: a test vulnerability',
    description: 'A test vulnerability.',
    primaryUrl: 'https://avd.aquasec.com/nvd/cve-2024-0001',
    references: [],
    cweIds: [],
    cvss: 7.5,
    ...overrides,
  };
}

export function imageReport(findings: Finding[], image = findings[0]?.image ?? 'app'): ImageReport {
  return {
    image,
    kind: findings[0]?.targetKind ?? 'image',
    reportPath: `out/reports/${image}.json`,
    artifactName: `${image}.tar`,
    trivyVersion: '0.74.0',
    findings,
  };
}

export function rule(overrides: Partial<ExceptionRule> = {}): ExceptionRule {
  return {
    id: 'CVE-2024-0001',
    note: 'accepted for the test',
    origin: 'profiles/test.yml exceptions[0]',
    ...overrides,
  };
}

export function profile(overrides: Partial<Profile> = {}): Profile {
  return { source: 'profiles/test.yml', severity: 'HIGH', ignoreUnfixed: true, exceptions: [], ...overrides };
}
