import { readCiContext } from '../../src/config/ci-context.js';
import {
  findingFingerprint,
  fingerprintUuid,
  stableName,
  stableNames,
  targetWithoutArtifact,
  type IdentityParts,
} from '../../src/core/identity.js';
import { buildMessages } from '../../src/delivery/receivers/sqs/messages.js';
import { renderGitlabReport } from '../../src/render/gitlab.js';
import { previousBlocking, renderPrComment } from '../../src/render/pr-comment.js';
import { renderSarif } from '../../src/render/sarif.js';
import { finding, imageReport } from '../../test/support/findings.ts';
import { TEST_NOW, judge } from '../../test/support/judge.ts';

const f = finding({ severity: 'CRITICAL' });
const { results } = judge([imageReport([f])]);
const parts = (over: Partial<IdentityParts> = {}): IdentityParts => ({
  name: 'registry.example.com/shop/api',
  target: '(debian 12.11)',
  package: f.package,
  installedVersion: f.installedVersion,
  id: f.id,
  ...over,
});

test('stable name, target, package, installed version and id make the identity; nothing else does', () => {
  expect.hasAssertions();
  const base = findingFingerprint(parts());
  for (const field of ['name', 'target', 'package', 'installedVersion', 'id'] as const) {
    expect(findingFingerprint(parts({ [field]: `${parts()[field]}-other` }))).not.toBe(base);
  }
  expect(fingerprintUuid(base)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(fingerprintUuid(base).replace(/-/g, '')).toBe(base.slice(0, 32));
});

test('a new tag, digest or tarball path is the same finding; two tags scanned together stay apart', () => {
  const judgedAs = (image: string, source: string, target: string) =>
    judge([{ ...imageReport([{ ...f, image, target }], image), artifactName: source, source }]).results.findings[0]!
      .fingerprint;
  const first = judgedAs('shop/api:3f2a1c', 'tar_images/api.tar', 'tar_images/api.tar (debian 12.11)');
  expect(
    judgedAs(
      'shop/api:9be77d',
      '/builds/acme/shop/tar_images/api.tar',
      '/builds/acme/shop/tar_images/api.tar (debian 12.11)',
    ),
  ).toBe(first);
  expect(judgedAs('shop/api@sha256:abcd', 'api.tar', 'api.tar (debian 12.11)')).toBe(first);
  expect(judgedAs('shop/web:3f2a1c', 'tar_images/api.tar', 'tar_images/api.tar (debian 12.11)')).not.toBe(first);
  // Reports given without a file keep the old fallback: two tags of one repository keep their full names.
  expect(
    stableNames([
      { image: 'shop/api:1', kind: 'image' },
      { image: 'shop/api:2', kind: 'image' },
      { image: 'shop/web:1', kind: 'image' },
      { image: 'services/api', kind: 'fs' },
    ]),
  ).toEqual(['shop/api:1', 'shop/api:2', 'shop/web', 'services/api']);
  expect(targetWithoutArtifact('usr/lib/node_modules/x/package.json', 'api.tar')).toBe(
    'usr/lib/node_modules/x/package.json',
  );
});

describe('one identity that does not depend on the run (issue: three images of one repository in one DefectDojo test)', () => {
  const repo = 'ghcr.io/aquasecurity/trivy-test-images';
  const three = [
    { image: `${repo}:alpine-39`, kind: 'image' as const, source: 'tar_images/alpine-39.tar' },
    { image: `${repo}:debian-stretch`, kind: 'image' as const, source: 'tar_images/debian-stretch.tar' },
    { image: `${repo}:fluentd-multiple-lockfiles`, kind: 'image' as const, source: 'tar_images/fluentd.tar' },
  ];

  test('several images of one repository by tag: the repository plus the file each was saved to', () => {
    expect(stableNames(three)).toEqual([`${repo}#alpine-39`, `${repo}#debian-stretch`, `${repo}#fluentd`]);
  });

  test('the same image alone, and on the next push (new tag, moved tarball), keeps its identity', () => {
    const together = stableNames(three)[0];
    expect(stableNames([three[0]!])).toEqual([together]);
    expect(stableName({ image: `${repo}:9be77d`, kind: 'image', source: '/builds/x/out/alpine-39.tar' })).toBe(
      together,
    );
  });

  test('a tarball named after its repository is the repository: shop/api from api.tar', () => {
    expect(stableName({ image: 'shop/api:3f2a1c', kind: 'image', source: 'tar_images/api.tar' })).toBe('shop/api');
    expect(stableName({ image: 'shop/api:3f2a1c', kind: 'image', source: 'reports/api.json' })).toBe('shop/api');
  });

  test('distinct images never share one: the same file name in two directories keeps its path', () => {
    expect(
      stableNames([
        { image: 'shop/app:1', kind: 'image', source: 'a/app.tar' },
        { image: 'shop/app:1 (app.tar)', kind: 'image', source: 'b/app.tar' },
        { image: 'shop/app:1 (b/app.tar)', kind: 'image', source: 'c/app.tar' },
      ]),
    ).toEqual(['shop/app#a/app', 'shop/app#b/app', 'shop/app#c/app']);
  });

  test('the user sets it per target; a rule that names two targets still keeps them apart', () => {
    const rule = (t: { source?: string }) => (t.source?.includes('debian') ? 'shop/legacy' : undefined);
    expect(stableNames(three, rule)).toEqual([`${repo}#alpine-39`, 'shop/legacy', `${repo}#fluentd`]);
  });
});

test('every output carries the same identity, computed once when judged', () => {
  const id = results.findings[0]!.fingerprint;
  expect(id).toBe(
    findingFingerprint(parts({ target: targetWithoutArtifact(f.target, imageReport([f]).artifactName) })),
  );
  expect(results.findings[0]!.fingerprint).toBe(id);
  const sarif = renderSarif({ results, include: 'all' }).sarif;
  const result = sarif.runs[0]!.results[0] as { partialFingerprints: Record<string, string> };
  expect(result.partialFingerprints['vulngateFinding/v2']).toBe(id);
  const gitlab = renderGitlabReport({ results, startedAt: TEST_NOW, finishedAt: TEST_NOW }) as {
    vulnerabilities: { id: string }[];
  };
  expect(gitlab.vulnerabilities[0]!.id).toBe(fingerprintUuid(id));
  const messages = buildMessages({ identity: { scanId: 's', timestamp: 't', ci: readCiContext({}) }, results });
  expect(messages[0]!.key).toBe(id);
  const comment = renderPrComment({ results, marker: '<!-- m -->' });
  expect([...previousBlocking(comment).keys()]).toEqual([id.slice(0, 16)]);
});
