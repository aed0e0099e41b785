import { readFileSync } from 'node:fs';
import { evaluate } from '../../src/core/evaluate.ts';
import type { ImageReport } from '../../src/core/finding.ts';
import { buildResults } from '../../src/core/results.ts';
import { parseTrivyReport } from '../../src/core/trivy-report.ts';
import type { Profile } from '../../src/core/profile.ts';
import { profile as makeProfile } from './findings.ts';
import { reportPath } from './paths.ts';

export const TEST_NOW = new Date('2026-11-23T12:00:00Z');

export function loadShared(name: string): ImageReport {
  const file = reportPath(name);
  return parseTrivyReport({ text: readFileSync(file, 'utf8'), reportPath: `reports/${name}.json`, fallbackName: file });
}

/** Reports → judged findings and the audit record, as the pipeline makes them, at a fixed time. */
export function judge(images: ImageReport[], overrides: Partial<Profile> = {}) {
  const profile = makeProfile({ severity: 'MEDIUM', ignoreUnfixed: true, ...overrides });
  const evaluation = evaluate({ images, profile, now: TEST_NOW });
  const results = buildResults({ evaluation, images, errors: [], profile, now: TEST_NOW, toolVersion: '0.1.0' });
  return { evaluation, results, findings: results.findings };
}
