import { jobKey } from '../../src/core/job-identity.js';
import { commentMarker, previousBlocking, renderPrComment } from '../../src/render/pr-comment.js';
import { expectGolden } from '../../test/support/golden.ts';
import { finding, imageReport } from '../../test/support/findings.ts';
import { judge, loadShared } from '../../test/support/judge.ts';

const marker = commentMarker(jobKey({ workflow: 'image-scan', job: 'scan', images: ['b', 'a'] }));

test('the key is stable and ignores image order; matrix jobs with other images differ', () => {
  expect(jobKey({ workflow: 'w', job: 'j', images: ['a', 'b'] })).toBe(
    jobKey({ workflow: 'w', job: 'j', images: ['b', 'a'] }),
  );
  expect(jobKey({ workflow: 'w', job: 'j', images: ['a'] })).not.toBe(
    jobKey({ workflow: 'w', job: 'j', images: ['b'] }),
  );
  expect(marker).toMatch(/^<!-- vulngate-comment [0-9a-f]{16} -->$/);
});

test('first comment (golden)', () => {
  const { results } = judge([loadShared('alpine-39'), loadShared('debian-buster')], { severity: 'HIGH' });
  expectGolden(
    'pr-comment-first.md',
    renderPrComment({ results, marker, detailsUrl: 'https://github.com/acme/shop/actions/runs/1' }),
  );
});

test('an update says what is new and what was resolved (golden)', () => {
  const before = renderPrComment({
    results: judge([loadShared('alpine-39'), loadShared('debian-buster')], { severity: 'HIGH' }).results,
    marker,
  });
  const { results } = judge([loadShared('alpine-39'), loadShared('debian-buster')], {
    severity: 'MEDIUM',
    exceptions: [{ id: 'CVE-2019-18224', note: 'accepted', origin: 'p' }],
  });
  const after = renderPrComment({ results, marker, previousBody: before });
  expect(after).toContain('Since the last comment: 4 new blocking findings, 1 resolved.');
  expect(after).toContain(
    'Resolved: `CVE-2019-18224 in libidn2-0 (ghcr.io/aquasecurity/trivy-test-images:debian-buster)`',
  );
  expect(after.split('\n').filter((l) => l.startsWith('| 🆕'))).toHaveLength(4);
  expectGolden('pr-comment-update.md', after);
});

test('an unreadable earlier state counts as empty', () => {
  expect(previousBlocking(undefined)).toEqual(new Map());
  expect(previousBlocking('<!-- vulngate-state {not json} -->')).toEqual(new Map());
  expect(previousBlocking('<!-- vulngate-state {"blocking": ["a|b|c"]} -->')).toEqual(new Map());
  expect(previousBlocking('<!-- vulngate-state {"blocking": {"k1": 1, "k2": "CVE-1 in p (i)"}} -->')).toEqual(
    new Map([['k2', 'CVE-1 in p (i)']]),
  );
});

test('images and code dependencies: grouped by kind, code named by its lockfile', () => {
  const image = finding({ id: 'CVE-2024-0001', severity: 'HIGH' });
  const code = finding({
    image: 'services/api',
    targetKind: 'fs',
    target: 'package-lock.json',
    class: 'lang-pkgs',
    type: 'npm',
    id: 'CVE-2021-44906',
    package: 'minimist',
    severity: 'CRITICAL',
  });
  const { results } = judge([imageReport([image]), imageReport([code])]);
  const body = renderPrComment({ results, marker });
  const rows = body.split('\n').filter((l) => l.startsWith('|') && l.includes('CVE-'));
  expect(body).toContain('| Target | Vulnerability |');
  // Images first, then code, whatever the severity.
  expect(rows.map((r) => r.split('|')[2]?.trim())).toEqual([
    '`image: registry.example.com/shop/api:1.4.2`',
    '`code: services/api/package-lock.json`',
  ]);
  expect(body).toContain('in 2 of 2 targets (1 image, 1 directory)');
});
