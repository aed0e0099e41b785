import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LAYER_CACHE_SCHEMA, prepareLayerCache } from '../../src/trivy/layer-cache.js';
import { recordingLogger } from '../../test/support/logger.ts';

const NOW = new Date('2026-12-03T10:00:00Z');

function cacheWith(note: unknown, dbBytes = 1000): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-lc-'));
  mkdirSync(path.join(dir, 'fanal'));
  writeFileSync(path.join(dir, 'fanal', 'fanal.db'), Buffer.alloc(dbBytes));
  if (note !== undefined) writeFileSync(path.join(dir, 'fanal', 'vulngate-layer-cache.json'), JSON.stringify(note));
  return dir;
}

const good = { schema: LAYER_CACHE_SCHEMA, trivyVersion: '0.74.0', createdAt: '2026-12-01T00:00:00Z' };
const prepare = (cacheDir: string, maxBytes = 1 << 30) => {
  const logger = recordingLogger();
  return { logger, done: prepareLayerCache({ cacheDir, trivyVersion: '0.74.0', maxBytes, now: NOW, logger }) };
};

test('a cache this Trivy made, within its bounds, is kept', async () => {
  const dir = cacheWith(good);
  const { logger, done } = prepare(dir);
  expect(await done).toBe(1000);
  expect(existsSync(path.join(dir, 'fanal', 'fanal.db'))).toBe(true);
  expect(logger.at('info')[0]).toMatch(/^Layer cache: 0 MB from 2026-12-01/);
});

test.each([
  ['from another Trivy', { ...good, trivyVersion: '0.73.0' }, 1000, 'it was made by Trivy 0.73.0, not 0.74.0'],
  ['of another schema', { ...good, schema: 0 }, 1000, `it has cache schema 0, not ${LAYER_CACHE_SCHEMA}`],
  ['without a note', undefined, 1000, 'it has no vulngate note'],
  ['older than a week', { ...good, createdAt: '2026-11-20T00:00:00Z' }, 1000, 'it is older than 7 days'],
  ['over the bound', good, 3 * 1048576, 'it is 3 MB, over the bound of 2 MB'],
])('a cache %s is started anew', async (_, note, bytes, reason) => {
  const dir = cacheWith(note, bytes);
  const { logger, done } = prepare(dir, 2 * 1048576);
  expect(await done).toBe(0);
  expect(existsSync(path.join(dir, 'fanal', 'fanal.db'))).toBe(false);
  expect(logger.at('info')[0]).toContain(`not used: ${reason}`);
  const written = JSON.parse(readFileSync(path.join(dir, 'fanal', 'vulngate-layer-cache.json'), 'utf8'));
  expect(written).toEqual({ schema: LAYER_CACHE_SCHEMA, trivyVersion: '0.74.0', createdAt: NOW.toISOString() });
});
