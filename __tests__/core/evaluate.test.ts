import { readFileSync } from 'node:fs';
import { evaluate, exceptionEndsAt } from '../../src/core/evaluate.js';
import { parseTrivyReport } from '../../src/core/trivy-report.js';
import type { Finding } from '../../src/core/finding.js';
import type { ExceptionRule, Profile } from '../../src/core/profile.js';
import { finding, imageReport, profile, rule } from '../../test/support/findings.ts';
import { reportPath } from '../../test/support/paths.ts';

const NOW = new Date('2026-11-23T15:30:00Z');

function decide(f: Finding, p: Partial<Profile> = {}, now = NOW) {
  const result = evaluate({ images: [imageReport([f])], profile: profile(p), now });
  return { decision: result.findings[0]!.decision, reason: result.findings[0]!.reason, result };
}

const withException = (r: Partial<ExceptionRule>, f: Partial<Finding> = {}, p: Partial<Profile> = {}) =>
  decide(finding(f), { ...p, exceptions: [rule(r)] }).decision;

describe('severity threshold: UNKNOWN < LOW < MEDIUM < HIGH < CRITICAL', () => {
  test.each([
    ['UNKNOWN', 'LOW', 'below-threshold'],
    ['LOW', 'MEDIUM', 'below-threshold'],
    ['MEDIUM', 'HIGH', 'below-threshold'],
    ['HIGH', 'CRITICAL', 'below-threshold'],
    ['HIGH', 'HIGH', 'blocking'],
    ['CRITICAL', 'HIGH', 'blocking'],
    ['UNKNOWN', 'UNKNOWN', 'blocking'],
    ['LOW', 'UNKNOWN', 'blocking'],
  ] as const)('a %s finding against threshold %s is %s', (severity, threshold, expected) => {
    expect(decide(finding({ severity }), { severity: threshold }).decision).toBe(expected);
  });
});

describe('unfixed', () => {
  test('fixable means a non-empty FixedVersion', () => {
    expect(decide(finding({ fixedVersion: '' })).decision).toBe('unfixed');
    expect(decide(finding({ fixedVersion: '' }), { ignoreUnfixed: false }).decision).toBe('blocking');
    expect(decide(finding({ fixedVersion: '1.0' })).decision).toBe('blocking');
  });
  test('below-threshold comes before unfixed', () => {
    expect(decide(finding({ fixedVersion: '', severity: 'LOW' })).decision).toBe('below-threshold');
  });
  test('secrets are always fixable: removing them is the fix', () => {
    const secret = finding({ kind: 'secret', id: 'aws-access-key-id', fixedVersion: '', severity: 'CRITICAL' });
    expect(decide(secret).decision).toBe('blocking');
  });
  test('unfixed comes before excepted: the exception stays unused', () => {
    const { decision, result } = decide(finding({ fixedVersion: '' }), { exceptions: [rule()] });
    expect(decision).toBe('unfixed');
    expect(result.exceptions.unused).toHaveLength(1);
  });
});

describe('exceptions', () => {
  test('match on id, case-insensitive', () => {
    expect(withException({ id: 'CVE-2024-0001' }, { id: 'cve-2024-0001' })).toBe('excepted');
    expect(withException({ id: 'CVE-2024-0002' })).toBe('blocking');
  });
  test('an id written with typographic dashes in the report still matches', () => {
    expect(withException({ id: 'CVE-2024-0001' }, { id: 'CVE\u20112024\u20130001' })).toBe('excepted');
  });
  test('a package-scoped exception covers only that package', () => {
    expect(withException({ package: 'openssl' })).toBe('excepted');
    expect(withException({ package: 'libssl3' })).toBe('blocking');
  });
  test('image globs: * also crosses /', () => {
    expect(withException({ images: ['registry.example.com/shop/*'] })).toBe('excepted');
    expect(withException({ images: ['*api*'] })).toBe('excepted');
    expect(withException({ images: ['kibana*'] })).toBe('blocking');
    expect(withException({ images: ['kibana*', '*:1.4.2'] })).toBe('excepted');
  });
  test('a severity-capped exception stops covering the finding once its severity rises above the cap', () => {
    expect(withException({ severity: 'HIGH' }, { severity: 'HIGH' })).toBe('excepted');
    expect(withException({ severity: 'HIGH' }, { severity: 'CRITICAL' })).toBe('blocking');
    expect(withException({ severity: 'CRITICAL' }, { severity: 'HIGH' })).toBe('excepted');
  });
  test('images: a repository without a tag or digest covers every tag and digest of it', () => {
    expect(withException({ images: ['registry.example.com/shop/api'] })).toBe('excepted');
    expect(
      withException(
        { images: ['registry.example.com/shop/api'] },
        { image: 'registry.example.com/shop/api@sha256:ab' },
      ),
    ).toBe('excepted');
    expect(withException({ images: ['registry.example.com/shop/ap'] })).toBe('blocking');
    expect(withException({ images: ['registry.example.com/shop/api:2.0'] })).toBe('blocking');
  });
  test('package: the name Trivy reports, or its source package (openssl covers libssl3)', () => {
    const libssl3 = { package: 'libssl3', sourcePackage: 'openssl' };
    expect(withException({ package: 'openssl' }, libssl3)).toBe('excepted');
    expect(withException({ package: 'libssl3' }, libssl3)).toBe('excepted');
    expect(withException({ package: 'libssl-dev' }, libssl3)).toBe('blocking');
  });
  test('paths: a lockfile from the repository root, whichever directory was scanned', () => {
    const worker = { targetKind: 'fs' as const, image: 'services/worker', target: 'package-lock.json' };
    expect(withException({ paths: ['services/worker/**'] }, worker)).toBe('excepted');
    expect(withException({ paths: ['services/worker/package-lock.json'] }, worker)).toBe('excepted');
    expect(withException({ paths: ['services/api/**'] }, worker)).toBe('blocking');
    const root = { targetKind: 'fs' as const, image: '.', target: 'services/worker/package-lock.json' };
    expect(withException({ paths: ['services/worker/**'] }, root)).toBe('excepted');
  });
  test('every condition given must hold', () => {
    expect(withException({ package: 'openssl', severity: 'HIGH', images: ['*api*'] })).toBe('excepted');
    expect(withException({ package: 'openssl', severity: 'HIGH', images: ['*web*'] })).toBe('blocking');
  });
  test('the reason names the exception, its expiry and note', () => {
    const { reason } = decide(finding(), { exceptions: [rule({ until: '2026-12-31' })] });
    expect(reason).toBe('excepted by profiles/test.yml exceptions[0] until 2026-12-31: accepted for the test');
  });
});

describe('expiry: an exception applies through the whole UTC day of until', () => {
  test.each([
    ['expires today (late in the day)', '2026-11-23', '2026-11-23T23:59:59.999Z', 'excepted'],
    ['expires today (start of the day)', '2026-11-23', '2026-11-23T00:00:00Z', 'excepted'],
    ['expired yesterday', '2026-11-22', '2026-11-23T00:00:00Z', 'blocking'],
    ['expired at midnight UTC', '2026-11-23', '2026-11-24T00:00:00Z', 'blocking'],
    ['expires in a year', '2027-11-23', '2026-11-23T12:00:00Z', 'excepted'],
  ])('%s', (_, until, now, expected) => {
    const result = evaluate({
      images: [imageReport([finding()])],
      profile: profile({ exceptions: [rule({ until })] }),
      now: new Date(now),
    });
    expect(result.findings[0]!.decision).toBe(expected);
    expect(result.exceptions.expired).toHaveLength(expected === 'blocking' ? 1 : 0);
  });

  test('an expired exception is reported with what it would cover', () => {
    const { result, reason } = decide(finding(), { exceptions: [rule({ until: '2026-11-22', package: 'openssl' })] });
    expect(result.exceptions.expired).toEqual([
      { rule: expect.objectContaining({ id: 'CVE-2024-0001', until: '2026-11-22' }), matches: 1 },
    ]);
    expect(reason).toMatch(/exception profiles\/test\.yml exceptions\[0\] expired on 2026-11-22$/);
  });

  test('exceptionEndsAt is the next UTC midnight', () => {
    expect(new Date(exceptionEndsAt('2020-12-31')).toISOString()).toBe('2021-01-01T00:00:00.000Z');
  });

  test.each([
    ['2026-12-07', true],
    ['2026-12-06', true],
    ['2026-12-08', false],
    ['2026-11-23', true],
  ])('expiring within 14 days: until %s → %s', (until, soon) => {
    const result = evaluate({
      images: [imageReport([finding()])],
      profile: profile({ exceptions: [rule({ until })] }),
      now: new Date('2026-11-23T23:59:00Z'),
    });
    expect(result.exceptions.expiringSoon).toHaveLength(soon ? 1 : 0);
  });
});

describe('an unused exception says why', () => {
  const why = (r: Partial<ExceptionRule>, findings: Partial<Finding>[], p: Partial<Profile> = {}) =>
    evaluate({
      images: [imageReport(findings.map((f) => finding(f)))],
      profile: profile({ ...p, exceptions: [rule(r)] }),
      now: NOW,
    }).exceptions.unused.map((e) => e.why);

  test.each([
    ['no finding has the id', { id: 'CVE-1999-0001' }, [{}], 'no finding has the id CVE-1999-0001'],
    [
      'the findings did not need it',
      {},
      [{ severity: 'LOW' as const }],
      'the id matched 1 finding, none of which needed an exception (below the threshold, unfixed and ignored, or VEX)',
    ],
    [
      'images',
      { images: ['shop/web*'] },
      [{}, { package: 'libssl3' }],
      'the id matched 2 findings; `images` shop/web* did not (the finding is in registry.example.com/shop/api:1.4.2)',
    ],
    [
      'severity cap',
      { severity: 'HIGH' as const },
      [{ severity: 'CRITICAL' as const }],
      'the id matched 1 finding; capped at HIGH, the finding is CRITICAL',
    ],
    [
      'package, with the source package seen',
      { package: 'curl' },
      [{ package: 'libssl3', sourcePackage: 'openssl' }],
      'the id matched 1 finding; `package` curl did not (the findings are in libssl3 (source openssl))',
    ],
    [
      'paths, with the path it is matched against',
      { paths: ['services/worker/**'] },
      [{ targetKind: 'fs' as const, image: 'services/api', target: 'package-lock.json' }],
      'the id matched 1 finding; `paths` services/worker/** did not (matched from the repository root: ' +
        'services/api/package-lock.json)',
    ],
  ])('%s', (_name, r, findings, expected) => {
    expect(why(r, findings)).toEqual([expected]);
  });

  test('every condition that failed is named, and an exception shadowed by an earlier one says so', () => {
    expect(why({ package: 'curl', severity: 'MEDIUM' }, [{}])).toEqual([
      'the id matched 1 finding; `package` curl did not (the findings are in openssl); capped at MEDIUM, the finding is HIGH',
    ]);
    const result = evaluate({
      images: [imageReport([finding()])],
      profile: profile({ exceptions: [rule(), rule({ origin: 'profiles/test.yml exceptions[1]' })] }),
      now: NOW,
    });
    expect(result.exceptions.unused.map((e) => e.why)).toEqual([
      'the id matched 1 finding; profiles/test.yml exceptions[0] excepted them first',
    ]);
  });
});

describe('unused exceptions and the verdict', () => {
  test('exceptions that matched no finding are unused', () => {
    const result = evaluate({
      images: [imageReport([finding()])],
      profile: profile({ exceptions: [rule(), rule({ id: 'CVE-1999-0001', origin: 'p exceptions[1]' })] }),
      now: NOW,
    });
    expect(result.exceptions.unused.map((u) => u.rule.id)).toEqual(['CVE-1999-0001']);
  });
  test('fail when any finding is blocking, else pass', () => {
    expect(decide(finding()).result.verdict).toBe('fail');
    expect(decide(finding({ severity: 'LOW' })).result.verdict).toBe('pass');
    expect(evaluate({ images: [imageReport([], 'empty')], profile: profile(), now: NOW }).verdict).toBe('pass');
  });
  test('the first matching exception wins; later ones may be unused', () => {
    const result = evaluate({
      images: [imageReport([finding()])],
      profile: profile({ exceptions: [rule({ origin: 'first' }), rule({ origin: 'second' })] }),
      now: NOW,
    });
    expect(result.findings[0]!.exception?.origin).toBe('first');
    expect(result.exceptions.unused.map((u) => u.rule.origin)).toEqual(['second']);
  });
});

describe('acceptance on the shared Trivy reports', () => {
  const load = (name: string) => {
    const file = reportPath(name);
    return parseTrivyReport({ text: readFileSync(file, 'utf8'), reportPath: file, fallbackName: file });
  };

  test('alpine-39 with severity HIGH, ignore_unfixed false blocks exactly its HIGH and CRITICAL findings', () => {
    const report = load('alpine-39');
    const result = evaluate({
      images: [report],
      profile: profile({ severity: 'HIGH', ignoreUnfixed: false }),
      now: NOW,
    });
    const blocking = result.findings.filter((f) => f.decision === 'blocking').map((f) => `${f.id} ${f.package}`);
    const highAndUp = report.findings
      .filter((f) => f.severity === 'HIGH' || f.severity === 'CRITICAL')
      .map((f) => `${f.id} ${f.package}`);
    expect(blocking).toEqual(highAndUp);
    expect(blocking).toEqual(['CVE-2019-14697 musl', 'CVE-2019-14697 musl-utils']);
    expect(result.verdict).toBe('fail');
  });

  test('debian-buster with severity LOW, ignore_unfixed true: the unfixed finding is unfixed, not blocking', () => {
    const result = evaluate({
      images: [load('debian-buster')],
      profile: profile({ severity: 'LOW', ignoreUnfixed: true }),
      now: NOW,
    });
    expect(result.findings.map((f) => [f.id, f.package, f.decision])).toEqual([
      ['CVE-2019-18276', 'bash', 'unfixed'],
      ['CVE-2019-18224', 'libidn2-0', 'blocking'],
    ]);
  });

  test("the original tool's kibana-style exception on a shared report", () => {
    const result = evaluate({
      images: [load('debian-buster')],
      profile: profile({
        exceptions: [
          rule({ id: 'CVE-2019-18224', package: 'libidn2-0', severity: 'CRITICAL', images: ['*debian-buster'] }),
        ],
      }),
      now: NOW,
    });
    expect(result.findings[1]!.decision).toBe('excepted');
    expect(result.verdict).toBe('pass');
  });
});
