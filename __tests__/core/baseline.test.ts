import { readBaselineRecord } from '../../src/baseline/record.js';
import { readCiContext } from '../../src/config/ci-context.js';
import { buildMessages } from '../../src/delivery/receivers/sqs/messages.js';
import type { Baseline } from '../../src/core/baseline.js';
import { findingFingerprint } from '../../src/core/identity.js';
import { evaluate } from '../../src/core/evaluate.js';
import type { Finding } from '../../src/core/finding.js';
import { buildResults, failingFindings, type GateResults } from '../../src/core/results.js';
import { resultsDocument } from '../../src/core/results-document.js';
import { renderSarif } from '../../src/render/sarif.js';
import { renderSummary, verdictLine } from '../../src/render/summary.js';
import { finding, imageReport, profile as makeProfile, rule } from '../../test/support/findings.ts';
import { TEST_NOW } from '../../test/support/judge.ts';

const API = 'shop/api:1.4.2';
const openssl = finding({ image: API, id: 'CVE-2024-0001', package: 'openssl', severity: 'HIGH' });
const zlib = finding({ image: API, id: 'CVE-2024-0002', package: 'zlib', severity: 'LOW', fixedVersion: '1.3' });
const curl = finding({ image: API, id: 'CVE-2024-0003', package: 'curl', severity: 'MEDIUM' });

function run(args: {
  findings: Finding[];
  image?: string;
  baseline?: Baseline;
  failOn?: 'all' | 'new';
  exceptions?: ReturnType<typeof rule>[];
  now?: Date;
}): GateResults {
  const image = args.image ?? API;
  const images = [
    imageReport(
      args.findings.map((f) => ({ ...f, image })),
      image,
    ),
  ];
  const p = makeProfile({ severity: 'HIGH', exceptions: args.exceptions ?? [] });
  const now = args.now ?? TEST_NOW;
  const evaluation = evaluate({ images, profile: p, now });
  return buildResults({
    evaluation,
    images,
    errors: [],
    profile: p,
    now,
    toolVersion: 't',
    run: { repository: 'acme/shop', ref: 'main', commit: 'c'.repeat(40), url: '' },
    failOn: args.failOn,
    baseline: args.baseline,
  });
}

/** A run's record read back as the next run's baseline, as `--baseline file` does. */
function asBaseline(results: GateResults, targets = ['shop/api']): Baseline {
  const read = readBaselineRecord({ text: JSON.stringify(resultsDocument(results)), source: 'prev.json', targets });
  if ('problem' in read) throw new Error(read.problem);
  return read.baseline;
}

describe('against the baseline', () => {
  // Yesterday: openssl HIGH (blocking), zlib LOW (below threshold), curl MEDIUM.
  const yesterday = run({ findings: [openssl, zlib, curl], image: 'shop/api:1.4.1' });

  test('one new, one changed (LOW → CRITICAL), one gone, one unchanged; a new tag is the same image', () => {
    const raised = { ...zlib, severity: 'CRITICAL' as const };
    const added = finding({ image: API, id: 'CVE-2024-0009', package: 'bash', severity: 'MEDIUM' });
    const today = run({ findings: [openssl, raised, added], baseline: asBaseline(yesterday) });
    const change = (id: string) => today.findings.find((f) => f.id === id);
    expect(change('CVE-2024-0001')?.change).toBe('unchanged');
    expect(change('CVE-2024-0002')).toMatchObject({
      change: 'changed',
      decision: 'blocking',
      previous: { severity: 'LOW', fixedVersion: '1.3', decision: 'below-threshold' },
    });
    expect(change('CVE-2024-0009')?.change).toBe('new');
    expect(today.gone.map((g) => `${g.id} ${g.package} ${g.image}`)).toEqual(['CVE-2024-0003 curl shop/api:1.4.1']);
    expect(today.baseline).toEqual({
      source: 'prev.json',
      ref: 'main',
      commit: 'c'.repeat(40),
      generatedAt: TEST_NOW.toISOString(),
    });

    const summary = renderSummary({ results: today });
    expect(summary).toContain('### New since main (2026-11-23) (2)');
    expect(summary).toContain('changed: severity was LOW, was below-threshold');
    expect(summary).toContain('### Gone since main (2026-11-23) (1)');
    const states = renderSarif({ results: today, include: 'all' }).sarif.runs[0]!.results.map(
      (r) => `${r.ruleId} ${(r as { baselineState: string }).baselineState}`,
    );
    expect(states.sort()).toEqual(['CVE-2024-0001 unchanged', 'CVE-2024-0002 updated', 'CVE-2024-0009 new']);
    const messages = buildMessages({
      identity: { scanId: 's', timestamp: 't', ci: readCiContext({}) },
      results: today,
    });
    expect(messages.filter((m) => m.document.type === 'finding').map((m) => m.document.change)).toEqual([
      'unchanged',
      'changed',
      'new',
    ]);
  });

  test('fail-on new: blocking findings already in the baseline pass; a new one, or one turned blocking, fails', () => {
    const same = run({ findings: [openssl, zlib], baseline: asBaseline(yesterday), failOn: 'new' });
    expect(same.verdict).toBe('pass');
    expect(verdictLine(same)).toBe(
      '✅ vulngate: PASS — no new blocking findings in 1 image (1 blocking finding already in the baseline)',
    );
    const added = finding({ image: API, id: 'CVE-2024-0010', package: 'glibc', severity: 'CRITICAL' });
    const withNew = run({ findings: [openssl, added], baseline: asBaseline(yesterday), failOn: 'new' });
    expect(withNew.verdict).toBe('fail');
    expect(failingFindings(withNew).map((f) => f.id)).toEqual(['CVE-2024-0010']);
    expect(verdictLine(withNew)).toContain('FAIL — 1 new blocking finding in 1 of 1 image');
    const turned = run({
      findings: [openssl, { ...zlib, severity: 'HIGH' }],
      baseline: asBaseline(yesterday),
      failOn: 'new',
    });
    expect(failingFindings(turned).map((f) => f.id)).toEqual(['CVE-2024-0002']);
    // fail-on all fails on what was already there.
    expect(run({ findings: [openssl], baseline: asBaseline(yesterday) }).verdict).toBe('fail');
    // No baseline: everything counts as new.
    expect(run({ findings: [openssl], failOn: 'new' }).verdict).toBe('fail');
  });

  test('only targets scanned again lose findings: another image of the record is not "gone"', () => {
    const two = buildTwo();
    const onlyApi = run({ findings: [openssl], baseline: asBaseline(two, ['shop/api', 'shop/web']) });
    expect(onlyApi.gone).toEqual([]);
  });

  test('an exception that expired since the baseline is called out', () => {
    const exceptions = [rule({ id: 'CVE-2024-0001', until: '2026-11-30', note: 'waiting for the base image' })];
    const before = run({ findings: [openssl], exceptions });
    const after = run({
      findings: [openssl],
      exceptions,
      baseline: asBaseline(before),
      now: new Date('2026-12-02T06:00:00Z'),
    });
    expect(after.exceptions.expiredSinceBaseline.map((e) => `${e.id} ${e.until}`)).toEqual([
      'CVE-2024-0001 2026-11-30',
    ]);
    expect(renderSummary({ results: after })).toContain('### Exceptions expired since main (2026-11-23) (1)');
  });
});

function buildTwo(): GateResults {
  const web = finding({ image: 'shop/web:2', id: 'CVE-2024-0005', package: 'nginx' });
  const images = [imageReport([openssl]), imageReport([web], 'shop/web:2')];
  const p = makeProfile();
  return buildResults({
    evaluation: evaluate({ images, profile: p, now: TEST_NOW }),
    images,
    errors: [],
    profile: p,
    now: TEST_NOW,
    toolVersion: 't',
  });
}

describe('a record that cannot be a baseline is one warning, never a failure', () => {
  const record = JSON.stringify(resultsDocument(run({ findings: [openssl] })), null, 2);
  test.each([
    ['{not json', 'prev.json is not JSON'],
    ['[]', 'prev.json is not a vulngate-results.json'],
    [
      record.replace('"schemaVersion": 3', '"schemaVersion": 1'),
      'prev.json is of schemaVersion 1, this vulngate writes and compares 3',
    ],
    [
      record.replace(/"fingerprint": "[0-9a-f]+"/, '"fingerprint": "x"'),
      'prev.json has a finding without its identity or decision',
    ],
  ])('%#', (text, problem) => {
    expect(readBaselineRecord({ text, source: 'prev.json', targets: ['shop/api'] })).toEqual({ problem });
  });

  test('a record of other images', () => {
    expect(readBaselineRecord({ text: record, source: 'prev.json', targets: ['shop/web'] })).toEqual({
      problem: 'prev.json is a record of other targets (shop/api), not of shop/web',
    });
  });
});

describe('a schemaVersion 2 record (identities that depended on the run) is still a baseline', () => {
  // Three images of one repository, saved as alpine.tar, debian.tar, fluentd.tar, judged by vulngate 0.1.0: their
  // stable names were the full names (two tags of one repository in the run) and targets named the tarball.
  const repo = 'ghcr.io/aquasecurity/trivy-test-images';
  const files = ['alpine', 'debian', 'fluentd'];
  const images = files.map((file, i) => ({
    ...imageReport(
      [finding({ image: `${repo}:${file}`, id: `CVE-2024-000${i}`, target: `${repo}:${file} (debian 12.11)` })],
      `${repo}:${file}`,
    ),
    artifactName: `${repo}:${file}`,
    source: `/builds/x/tar_images/${file}.tar`,
  }));
  const p = makeProfile();
  const current = buildResults({
    evaluation: evaluate({ images, profile: p, now: TEST_NOW }),
    images,
    errors: [],
    profile: p,
    now: TEST_NOW,
    toolVersion: 't',
  });

  function asVersion2(): string {
    const doc = JSON.parse(JSON.stringify(resultsDocument(current))) as {
      schemaVersion: number;
      images: { name: string; stableName: string; report: string }[];
      findings: {
        image: string;
        target: string;
        package: string;
        installedVersion: string;
        id: string;
        fingerprint: string;
      }[];
    };
    doc.schemaVersion = 2;
    doc.images.forEach((image, i) => {
      image.stableName = image.name;
      image.report = `reports/00${i + 1}-${files[i]}.json`;
    });
    for (const f of doc.findings) {
      const file = files.find((name) => f.image.endsWith(`:${name}`))!;
      f.target = `tar_images/${file}.tar (debian 12.11)`;
      f.fingerprint = findingFingerprint({
        name: f.image,
        target: '(debian 12.11)',
        package: f.package,
        installedVersion: f.installedVersion,
        id: f.id,
      });
    }
    return JSON.stringify(doc);
  }

  test('read with one notice, its identities mapped: every finding is unchanged, none new, none gone', () => {
    const read = readBaselineRecord({
      text: asVersion2(),
      source: 'prev.json',
      targets: current.images.map((i) => i.stableName),
    });
    if (!('baseline' in read)) throw new Error(read.problem);
    expect(read.notice).toBe(
      "prev.json is of schemaVersion 2: its targets' identities were mapped to this version's (3)",
    );
    expect(read.baseline.targets).toEqual(files.map((f) => `${repo}#${f}`));
    expect(read.baseline.findings.map((f) => f.fingerprint)).toEqual(current.findings.map((f) => f.fingerprint));
  });
});
