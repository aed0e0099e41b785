import { evaluate } from '../../src/core/evaluate.js';
import { buildResults } from '../../src/core/results.js';
import { resultsDocument } from '../../src/core/results-document.js';
import { SUMMARY_ROW_LIMIT, renderSummary, verdictLine } from '../../src/render/summary.js';
import { finding, imageReport, profile, rule } from '../../test/support/findings.ts';
import { expectGolden } from '../../test/support/golden.ts';
import { SHARED_NOW, sharedResults } from '../../test/support/shared-results.ts';

test('summary of three shared reports (golden)', () => {
  expectGolden('summary-shared.md', renderSummary({ results: sharedResults() }));
});

test('audit record of three shared reports (golden)', () => {
  expectGolden('results-shared.json', `${JSON.stringify(resultsDocument(sharedResults()), null, 2)}\n`);
});

test('the same input gives the same bytes', () => {
  expect(renderSummary({ results: sharedResults() })).toBe(renderSummary({ results: sharedResults() }));
});

test('verdict lines', () => {
  const results = sharedResults();
  expect(verdictLine(results)).toBe(
    '❌ vulngate: FAIL — 7 blocking findings in 2 of 3 images; 1 image could not be scanned',
  );
  expect(verdictLine({ ...results, verdict: 'pass', findings: [], errors: [] })).toBe(
    '✅ vulngate: PASS — no blocking findings in 3 images',
  );
  expect(verdictLine({ ...results, verdict: 'pass', findings: [] })).toBe(
    '⚠️ vulngate: ERROR — no blocking findings in 3 images; 1 image could not be scanned',
  );
});

test('long tables are capped and point to the results file', () => {
  const findings = Array.from({ length: SUMMARY_ROW_LIMIT + 5 }, (_, i) =>
    finding({ id: `CVE-2024-${String(i).padStart(5, '0')}` }),
  );
  const evaluation = evaluate({ images: [imageReport(findings)], profile: profile(), now: SHARED_NOW });
  const results = buildResults({
    evaluation,
    images: [imageReport(findings)],
    errors: [],
    profile: profile(),
    now: SHARED_NOW,
    toolVersion: 'x',
  });
  const markdown = renderSummary({ results });
  expect(markdown).toContain(`### Blocking findings (${SUMMARY_ROW_LIMIT + 5})`);
  expect(markdown).toContain('… and 5 more (see `vulngate-results.json`).');
  expect(markdown.split('\n').filter((l) => l.includes('CVE-2024-'))).toHaveLength(SUMMARY_ROW_LIMIT);
});

describe('text from the scanned image is escaped for markdown, and the summary stays within GitHub’s 1 MiB', () => {
  const hostile = finding({
    image: 'evil/`img`:1',
    package: '<img src=x onerror=alert(1)>|@octocat\u001b[31m\u202e',
    title: '::add-mask::x',
    primaryUrl: 'javascript:alert(1)',
    severity: 'CRITICAL',
  });

  test('no HTML, no mention, no column break, no escape sequence, no javascript: link', () => {
    const evaluation = evaluate({ images: [imageReport([hostile])], profile: profile(), now: SHARED_NOW });
    const results = buildResults({
      evaluation,
      images: [imageReport([hostile])],
      errors: [],
      profile: profile(),
      now: SHARED_NOW,
      toolVersion: 'x',
    });
    const markdown = renderSummary({ results });
    expect(markdown).not.toMatch(/(^|[^\\])<img/);
    expect(markdown).toContain('\\<img src=x onerror=alert(1)\\>\\|@\u200boctocat\\[31m');
    expect(markdown).not.toMatch(/[\u001b\u202e]/);
    expect(markdown).not.toContain('](javascript:');
    expect(markdown).toContain('``evil/`img`:1``');
  });

  test('12,000 unused exceptions: capped tables, under 1 MiB', () => {
    const rules = Array.from({ length: 12_000 }, (_, i) =>
      rule({ id: `CVE-2000-${i}`, note: 'n'.repeat(120), origin: `p exceptions[${i}]` }),
    );
    const p = profile({ exceptions: rules });
    const evaluation = evaluate({ images: [imageReport([finding()])], profile: p, now: SHARED_NOW });
    const results = buildResults({
      evaluation,
      images: [imageReport([finding()])],
      errors: [],
      profile: p,
      now: SHARED_NOW,
      toolVersion: 'x',
    });
    const markdown = renderSummary({ results });
    expect(Buffer.byteLength(markdown)).toBeLessThan(1_000_000);
    expect(markdown).toContain('… and 11900 more (see `vulngate-results.json`).');
  });
});
