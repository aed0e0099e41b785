// The closing line of .ci/run: passed, failed (runtime errors of a suite count) and skipped, so a test turned off is
// seen rather than counted as passing.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../test/support/paths.ts';

const CountReporter = createRequire(import.meta.url)(path.join(ROOT, 'test/count-reporter.cjs')) as new () => {
  onRunComplete(contexts: unknown, results: Record<string, number>): void;
};

test('the count file says passed, failed and skipped', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'vg-count-')), 'count');
  const saved = process.env.VULNGATE_COUNT_FILE;
  process.env.VULNGATE_COUNT_FILE = file;
  try {
    new CountReporter().onRunComplete(new Set(), {
      numPassedTests: 7,
      numFailedTests: 1,
      numRuntimeErrorTestSuites: 1,
      numPendingTests: 2,
      numTodoTests: 1,
    });
  } finally {
    if (saved === undefined) delete process.env.VULNGATE_COUNT_FILE;
    else process.env.VULNGATE_COUNT_FILE = saved;
  }
  expect(readFileSync(file, 'utf8')).toBe('7 2 3\n');
});
