import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeSarifFile } from '../../src/app/sarif-writer.js';
import { SARIF_LIMITS, renderSarif } from '../../src/render/sarif.js';
import { judge, loadShared } from '../../test/support/judge.ts';

const file = () => path.join(mkdtempSync(path.join(tmpdir(), 'vg-sarifw-')), 'vulngate.sarif');
const { results } = judge(['alpine-39', 'debian-buster', 'centos-7', 'ubuntu-1804'].map(loadShared));

test('the streamed file is the log renderSarif builds', async () => {
  const out = file();
  const omitted = await writeSarifFile(out, { results, include: 'all' });
  expect(omitted).toEqual({ results: 0, runs: 0 });
  expect(readFileSync(out, 'utf8')).toBe(`${renderSarif({ results, include: 'all' }).text}\n`);
});

test('over the gzipped limit it is written again with half as many results per run, as renderSarif does', async () => {
  const limits = { ...SARIF_LIMITS, gzippedBytes: 4_000 };
  const out = file();
  const omitted = await writeSarifFile(out, { results, include: 'all', limits });
  const expected = renderSarif({ results, include: 'all', limits });
  expect(omitted).toEqual(expected.omitted);
  expect(omitted.results).toBeGreaterThan(0);
  const text = readFileSync(out, 'utf8');
  expect(text).toBe(`${expected.text}\n`);
  expect(gzipSync(text).length).toBeLessThanOrEqual(4_000 + 30);
});
