import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { outputFiles, withRecordPaths, writeOutputs } from '../../src/app/outputs.js';
import { resultsDocument } from '../../src/core/results-document.js';
import { renderGitlabReport } from '../../src/render/gitlab.js';
import { renderSarif } from '../../src/render/sarif.js';
import { TEST_NOW, judge, loadShared } from '../../test/support/judge.ts';

test('the streamed files hold exactly what the renderers build', async () => {
  const { results } = judge(['alpine-39', 'debian-buster', 'fluentd-gems'].map(loadShared));
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-outputs-'));
  const files = outputFiles(dir);
  const written = await writeOutputs({
    results,
    files,
    sarif: { include: 'all' },
    failOnFindings: true,
    startedAt: TEST_NOW,
    finishedAt: TEST_NOW,
  });
  expect(readFileSync(files.results, 'utf8')).toBe(
    `${JSON.stringify(resultsDocument(withRecordPaths(results, dir)), null, 2)}\n`,
  );
  // The record names reports from the output directory, never by a runner's absolute path.
  const record = JSON.parse(readFileSync(files.results, 'utf8')) as { images: { report: string }[] };
  expect(record.images.map((i) => path.isAbsolute(i.report))).toEqual([false, false, false]);
  expect(JSON.parse(readFileSync(files.gitlab, 'utf8'))).toEqual(
    renderGitlabReport({ results, startedAt: TEST_NOW, finishedAt: TEST_NOW }),
  );
  expect(readFileSync(files.sarif, 'utf8')).toBe(`${renderSarif({ results, include: 'all' }).text}\n`);
  expect(readFileSync(files.summary, 'utf8')).toBe(written.summaryMarkdown);
});

test('no findings: the audit record is still the document', async () => {
  const { results } = judge([]);
  const files = outputFiles(mkdtempSync(path.join(tmpdir(), 'vg-outputs-')));
  await writeOutputs({
    results,
    files,
    sarif: { include: 'all' },
    failOnFindings: true,
    startedAt: TEST_NOW,
    finishedAt: TEST_NOW,
  });
  expect(readFileSync(files.results, 'utf8')).toBe(`${JSON.stringify(resultsDocument(results), null, 2)}\n`);
});
