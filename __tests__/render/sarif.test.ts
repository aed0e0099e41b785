import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { findingFingerprint } from '../../src/core/identity.js';
import { SARIF_LIMITS, dockerfileFromLine, renderSarif } from '../../src/render/sarif.js';
import { finding, imageReport } from '../../test/support/findings.ts';
import { expectGolden } from '../../test/support/golden.ts';
import { judge, loadShared } from '../../test/support/judge.ts';
import { SHARED_REPORT_NAMES } from '../../test/support/paths.ts';
import { validateSarif } from '../../test/support/sarif-validator.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-sarif-'));

test("every shared Trivy report's SARIF passes Microsoft's validator (SARIF + GHAS rules) with no errors or warnings", () => {
  const dir = tmp();
  const files = SHARED_REPORT_NAMES.map((name) => {
    const { results } = judge([loadShared(name)]);
    const file = path.join(dir, `${name}.sarif`);
    writeFileSync(file, JSON.stringify(renderSarif({ results, include: 'all' }).sarif, null, 2));
    return file;
  });
  // One more: several images in one file, located on a Dockerfile.
  const { results } = judge(SHARED_REPORT_NAMES.slice(0, 4).map(loadShared));
  const multi = path.join(dir, 'multi.sarif');
  writeFileSync(
    multi,
    JSON.stringify(renderSarif({ results, include: 'all', dockerfile: { path: 'Dockerfile', fromLine: 3 } }).sarif),
  );
  expect(validateSarif([...files, multi])).toEqual([]);
}, 120_000);

test('the validator does catch problems (so a clean result means something)', () => {
  const file = path.join(tmp(), 'bad.sarif');
  writeFileSync(
    file,
    JSON.stringify({
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'no rule, no location' } }] }],
    }),
  );
  const problems = validateSarif([file]);
  expect(problems.some((p) => p.level === 'error')).toBe(true);
}, 60_000);

describe('structure', () => {
  const images = [loadShared('alpine-39'), loadShared('debian-buster')];
  const { results } = judge(images, {
    exceptions: [{ id: 'CVE-2019-18224', note: 'not reachable', until: '2026-12-31', origin: 'p exceptions[0]' }],
  });
  const { sarif } = renderSarif({ results, include: 'all' });

  test('one run per image with its own automationDetails.id; Trivy recorded', () => {
    expect(sarif.runs.map((r) => r.automationDetails.id)).toEqual([
      'vulngate/ghcr.io/aquasecurity/trivy-test-images:alpine-39/',
      'vulngate/ghcr.io/aquasecurity/trivy-test-images:debian-buster/',
    ]);
    expect(sarif.runs[0]!.tool.extensions).toEqual([
      { name: 'Trivy', version: 'dev', informationUri: 'https://github.com/aquasecurity/trivy' },
    ]);
    expect(sarif.runs[0]!.tool.driver).toMatchObject({ name: 'vulngate', version: '0.1.0' });
  });

  test('rules: one per vulnerability id, with security-severity from CVSS, help markdown, tags', () => {
    const rules = sarif.runs[0]!.tool.driver.rules as {
      id: string;
      properties: Record<string, unknown>;
      help: { markdown: string };
    }[];
    // First the blocking findings' rules (results are ordered by decision), each id once.
    expect(rules.map((r) => r.id).sort()).toEqual(['CVE-2019-14697', 'CVE-2019-1549', 'CVE-2019-1551']);
    const musl = rules.find((r) => r.id === 'CVE-2019-14697')!;
    expect(musl.properties['security-severity']).toBe('9.8');
    expect(musl.properties.tags).toEqual(['security', 'vulnerability', 'CRITICAL', 'alpine', 'CWE-787']);
    expect(musl.help.markdown).toContain('| musl | 1.1.20-r4 | 1.1.20-r5 |\n| musl-utils | 1.1.20-r4 | 1.1.20-r5 |');
    expect(musl.help.markdown).toContain('[CVE-2019-14697](https://avd.aquasec.com/nvd/cve-2019-14697)');
  });

  test('without CVSS the severity sets security-severity', () => {
    const f = finding({ cvss: undefined, severity: 'MEDIUM' });
    const { results: r } = judge([imageReport([f])]);
    const rule = (
      renderSarif({ results: r, include: 'all' }).sarif.runs[0]!.tool.driver.rules as {
        properties: Record<string, unknown>;
      }[]
    )[0]!;
    expect(rule.properties['security-severity']).toBe('5.5');
  });

  test('results: level from the decision, decision and exception note in properties, image location', () => {
    const debian = sarif.runs[1]!.results as {
      level: string;
      properties: Record<string, unknown>;
      locations: unknown[];
    }[];
    expect(debian.map((r) => [r.level, r.properties.decision])).toEqual([
      ['note', 'excepted'],
      ['note', 'below-threshold'],
    ]);
    expect(debian[0]!.properties).toMatchObject({
      exceptionNote: 'not reachable',
      exceptionUntil: '2026-12-31',
      package: 'libidn2-0',
    });
    expect(debian[0]!.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: 'ghcr.io/aquasecurity/trivy-test-images%3Adebian-buster' },
          region: { startLine: 1 },
        },
        message: {
          text: 'ghcr.io/aquasecurity/trivy-test-images:debian-buster (debian 10.1)',
        },
      },
    ]);
    const alpine = sarif.runs[0]!.results as { level: string }[];
    expect(alpine.filter((r) => r.level === 'error')).toHaveLength(6);
  });

  test('sarif-findings: blocking keeps only blocking findings', () => {
    const blocking = renderSarif({ results, include: 'blocking' }).sarif;
    expect(blocking.runs.flatMap((r) => r.results)).toHaveLength(6);
    expect(blocking.runs[1]!.results).toEqual([]);
  });

  test('with a Dockerfile, results sit on its FROM line', () => {
    const located = renderSarif({
      results,
      include: 'all',
      dockerfile: { path: 'docker/Dockerfile', fromLine: 4 },
    }).sarif;
    expect(
      (located.runs[0]!.results[0] as { locations: { physicalLocation: unknown }[] }).locations[0]!.physicalLocation,
    ).toEqual({
      artifactLocation: { uri: 'docker/Dockerfile' },
      region: { startLine: 4 },
    });
    expect(
      dockerfileFromLine('# syntax=docker/dockerfile:1\nARG BASE=debian\n\nFROM ${BASE}:12 AS build\nFROM scratch\n'),
    ).toBe(4);
  });

  test('fingerprints are stable across runs and differ per image, package and id', () => {
    const again = renderSarif({ results, include: 'all' }).sarif;
    const prints = (s: typeof sarif) =>
      s.runs.flatMap((r) =>
        r.results.map(
          (x) => (x as { partialFingerprints: Record<string, string> }).partialFingerprints['vulngateFinding/v2'],
        ),
      );
    expect(prints(again)).toEqual(prints(sarif));
    expect(new Set(prints(sarif)).size).toBe(prints(sarif).length);
    const one = { name: 'a', target: 't', package: 'rand_core', installedVersion: '0.3.1', id: 'RUSTSEC-2019-0035' };
    expect(findingFingerprint(one)).not.toBe(findingFingerprint({ ...one, name: 'b' }));
    // One package at two versions under one id: two alerts, not one.
    expect(findingFingerprint(one)).not.toBe(findingFingerprint({ ...one, installedVersion: '0.4.0' }));
  });

  test('golden file, same bytes every time', () => {
    const text = `${JSON.stringify(sarif, null, 2)}\n`;
    expectGolden('sarif-shared.sarif', text);
    expect(`${JSON.stringify(renderSarif({ results, include: 'all' }).sarif, null, 2)}\n`).toBe(text);
  });
});

describe("GitHub's limits: blocking findings kept first, the rest counted", () => {
  const many = (image: string, n: number, blockingEvery: number) =>
    Array.from({ length: n }, (_, i) =>
      finding({
        image,
        id: `CVE-2024-${String(i).padStart(5, '0')}`,
        severity: i % blockingEvery === 0 ? 'CRITICAL' : 'LOW',
      }),
    );

  test('results per run', () => {
    const { results } = judge([imageReport(many('big', 50, 5))]);
    const { sarif, omitted } = renderSarif({ results, include: 'all', limits: { ...SARIF_LIMITS, resultsPerRun: 12 } });
    const kept = sarif.runs[0]!.results as { level: string }[];
    expect(kept).toHaveLength(12);
    expect(kept.filter((r) => r.level === 'error')).toHaveLength(10);
    expect(omitted).toEqual({ results: 38, runs: 0 });
  });

  test('runs per file: images with blocking findings first', () => {
    const images = ['a', 'b', 'c'].map((name, i) => imageReport(many(name, 4, i === 1 ? 1 : 100), name));
    const { results } = judge(images);
    const { sarif, omitted } = renderSarif({ results, include: 'all', limits: { ...SARIF_LIMITS, runsPerFile: 2 } });
    expect(sarif.runs.map((r) => r.properties.image)).toEqual(['a', 'b']);
    expect(omitted).toEqual({ results: 4, runs: 1 });
  });

  test('gzipped size', () => {
    const { results } = judge([imageReport(many('big', 400, 4))]);
    const { sarif, omitted } = renderSarif({
      results,
      include: 'all',
      limits: { ...SARIF_LIMITS, gzippedBytes: 20_000 },
    });
    const kept = sarif.runs[0]!.results as { level: string }[];
    expect(kept.length).toBeLessThan(400);
    expect(kept.every((r, i) => i >= 100 || r.level === 'error')).toBe(true);
    expect(omitted.results).toBe(400 - kept.length);
    expect(gzipSync(JSON.stringify(sarif)).length).toBeLessThanOrEqual(20_000);
  });
});
