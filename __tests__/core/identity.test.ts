import { readCiContext } from '../../src/config/ci-context.js';
import { findingFingerprint, fingerprintUuid } from '../../src/core/identity.js';
import { buildMessages } from '../../src/delivery/messages.js';
import { renderGitlabReport } from '../../src/render/gitlab.js';
import { previousBlocking, renderPrComment } from '../../src/render/pr-comment.js';
import { renderSarif } from '../../src/render/sarif.js';
import { finding, imageReport } from '../../test/support/findings.ts';
import { TEST_NOW, judge } from '../../test/support/judge.ts';

const f = finding({ severity: 'CRITICAL' });
const { results } = judge([imageReport([f])]);

test('image, target, package, installed version and id make the identity; nothing else does', () => {
  const base = findingFingerprint(f);
  const other: typeof f = { ...f, title: 'another title', severity: 'LOW' };
  expect(findingFingerprint(other)).toBe(base);
  for (const field of ['image', 'target', 'package', 'installedVersion', 'id'] as const) {
    expect(findingFingerprint({ ...f, [field]: `${f[field]}-other` })).not.toBe(base);
  }
  expect(fingerprintUuid(findingFingerprint(f))).toMatch(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  );
  expect(fingerprintUuid(findingFingerprint(f)).replace(/-/g, '')).toBe(base.slice(0, 32));
});

test('every output carries the same identity, computed once when judged', () => {
  const id = findingFingerprint(f);
  expect(results.findings[0]!.fingerprint).toBe(id);
  const sarif = renderSarif({ results, include: 'all' }).sarif;
  const result = sarif.runs[0]!.results[0] as { partialFingerprints: Record<string, string> };
  expect(result.partialFingerprints['vulngateFinding/v1']).toBe(id);
  const gitlab = renderGitlabReport({ results, startedAt: TEST_NOW, finishedAt: TEST_NOW }) as {
    vulnerabilities: { id: string }[];
  };
  expect(gitlab.vulnerabilities[0]!.id).toBe(fingerprintUuid(findingFingerprint(f)));
  const messages = buildMessages({ identity: { scanId: 's', timestamp: 't', ci: readCiContext({}) }, results });
  expect(messages[0]!.key).toBe(id);
  const comment = renderPrComment({ results, marker: '<!-- m -->' });
  expect([...previousBlocking(comment).keys()]).toEqual([id.slice(0, 16)]);
});
