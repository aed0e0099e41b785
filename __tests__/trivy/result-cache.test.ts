// The result cache's key, part by part: each part that decides what Trivy reports changes it, and where things are
// (paths, the server, the timeout) does not. The end-to-end hits and misses: result-cache.int.test.ts.
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  relocateReport,
  reportShapingArgs,
  ResultCache,
  resultKey,
  type ResultKeyParts,
} from '../../src/trivy/result-cache.js';

const db = { schemaVersion: 2, updatedAt: '2026-12-05T00:00:00Z', nextUpdate: '2026-12-06T00:00:00Z' };
const base: ResultKeyParts = {
  content: { kind: 'archive', imageId: 'sha256:aa', diffIds: ['sha256:01', 'sha256:02'], namesDigest: 'sha256:0a' },
  trivyVersion: '0.74.0',
  trivyDb: db,
  flags: ['image', '--scanners', 'vuln,secret', '--list-all-pkgs'],
  vex: [],
};

const archive = {
  kind: 'archive' as const,
  imageId: 'sha256:aa',
  diffIds: ['sha256:01', 'sha256:02'],
  namesDigest: 'sha256:0a',
};

describe('resultKey', () => {
  test.each<[string, Partial<ResultKeyParts>]>([
    ['the image ID', { content: { ...archive, imageId: 'sha256:ab' } }],
    ['a diff ID', { content: { ...archive, diffIds: ['sha256:01', 'sha256:03'] } }],
    ['the order of the layers', { content: { ...archive, diffIds: ['sha256:02', 'sha256:01'] } }],
    ['the tags in the archive', { content: { ...archive, namesDigest: 'sha256:0b' } }],
    ['the registry digest', { content: { kind: 'registry', reference: 'r.example/app@sha256:bb' } }],
    ['the Trivy version', { trivyVersion: '0.74.1' }],
    ['the DB update', { trivyDb: { ...db, updatedAt: '2026-12-06T00:00:00Z' } }],
    ['the DB schema', { trivyDb: { ...db, schemaVersion: 3 } }],
    ['a Java DB', { javaDb: db }],
    ['the scanners', { flags: ['image', '--scanners', 'vuln', '--list-all-pkgs'] }],
    ['--list-all-pkgs', { flags: ['image', '--scanners', 'vuln,secret'] }],
    ['a VEX file', { vex: ['0f'] }],
    ['VEX contents', { vex: ['0e'] }],
  ])('%s changes the key', (_part, change) => {
    const withVex = { ...base, vex: ['0f'] };
    const from = _part === 'VEX contents' ? withVex : base;
    expect(resultKey({ ...from, ...change })).not.toBe(resultKey(from));
  });

  test('the same parts give the same key, whatever the order of object keys', () => {
    const reordered: ResultKeyParts = {
      vex: [],
      flags: [...base.flags],
      trivyDb: { nextUpdate: db.nextUpdate, updatedAt: db.updatedAt, schemaVersion: db.schemaVersion },
      trivyVersion: '0.74.0',
      content: { namesDigest: 'sha256:0a', diffIds: ['sha256:01', 'sha256:02'], imageId: 'sha256:aa', kind: 'archive' },
    };
    expect(resultKey(reordered)).toBe(resultKey(base));
    expect(resultKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });
});

test('where things are stays out of the key; every other flag and a registry reference after -- are in or out as due', () => {
  const args = (cache: string, out: string) => [
    'image',
    '--input',
    `/runner/${out}/app.tar`,
    '--scanners',
    'vuln,secret',
    '--format',
    'json',
    '--output',
    `/tmp/${out}.json`,
    '--cache-dir',
    cache,
    '--timeout',
    '330s',
    '--server',
    'http://127.0.0.1:4954',
    '--vex',
    '/repo/a.openvex.json',
    '--show-suppressed',
    '--offline-scan',
  ];
  expect(reportShapingArgs(args('/c1', 'a'))).toEqual(reportShapingArgs(args('/c2', 'b')));
  expect(reportShapingArgs(args('/c1', 'a'))).toEqual([
    'image',
    '--scanners',
    'vuln,secret',
    '--format',
    'json',
    '--show-suppressed',
    '--offline-scan',
  ]);
  expect(reportShapingArgs(['image', '--image-src', 'remote', '--platform', 'linux/arm64', '--', '--x'])).toEqual([
    'image',
    '--image-src',
    'remote',
    '--platform',
    'linux/arm64',
  ]);
});

test('a cached report is renamed after the path scanned now, its results with it', () => {
  const cached = JSON.stringify({
    ArtifactName: '/old/app.tar',
    Results: [{ Target: '/old/app.tar (debian 12.11)' }, { Target: 'srv/package-lock.json' }],
  });
  expect(JSON.parse(relocateReport(cached, '/new/app.tar'))).toEqual({
    ArtifactName: '/new/app.tar',
    Results: [{ Target: '/new/app.tar (debian 12.11)' }, { Target: 'srv/package-lock.json' }],
  });
  expect(relocateReport(cached, '/old/app.tar')).toBe(cached);
});

test('the store: a torn or foreign file is a miss, the least recently used go beyond the bound', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-rcu-'));
  const cache = new ResultCache(dir);
  const report = (text: string) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'vg-rcr-')), 'report.json');
    writeFileSync(file, text);
    return file;
  };
  expect(await cache.get('a')).toBeUndefined();
  await cache.put('a', report('{"SchemaVersion":2}'));
  expect(await cache.get('a')).toBe('{"SchemaVersion":2}');
  // JSON that is not a Trivy report is a miss too.
  writeFileSync(path.join(dir, 'null.json'), 'null');
  expect(await cache.get('null')).toBeUndefined();
  writeFileSync(path.join(dir, 'torn.json'), '{"Schema');
  expect(await cache.get('torn')).toBeUndefined();
  // An interrupted write's leftover (hours old) goes; another process's write under way (just now) stays.
  writeFileSync(path.join(dir, 'x.json.old.partial'), '{');
  utimesSync(path.join(dir, 'x.json.old.partial'), new Date(0), new Date(0));
  writeFileSync(path.join(dir, 'y.json.now.partial'), '{');
  for (const [i, key] of ['b', 'c', 'd'].entries()) {
    await cache.put(key, report('{}'));
    const when = new Date(Date.UTC(2026, 0, 1 + i));
    utimesSync(path.join(dir, `${key}.json`), when, when);
  }
  // 'a' was used last (now), then d, c, b; 'torn' and 'null' are the oldest of all.
  utimesSync(path.join(dir, 'torn.json'), new Date(0), new Date(0));
  utimesSync(path.join(dir, 'null.json'), new Date(0), new Date(0));
  expect(await cache.prune(3)).toBe(3);
  expect(readdirSync(dir).sort()).toEqual(['a.json', 'c.json', 'd.json', 'y.json.now.partial']);
});
