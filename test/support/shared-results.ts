import { readFileSync } from 'node:fs';
import { evaluate } from '../../src/core/evaluate.ts';
import { buildResults } from '../../src/core/results.ts';
import { parseTrivyReport } from '../../src/core/trivy-report.ts';
import { profile, rule } from './findings.ts';
import { reportPath } from './paths.ts';

export const SHARED_NOW = new Date('2026-11-23T12:00:00Z');

/**
 * Three shared reports judged by a profile with an active, an expired and an unused exception, and one image that
 * could not be scanned: the one input of the golden files, at a fixed time.
 */
export function sharedResults() {
  const images = ['alpine-39', 'debian-buster', 'fluentd-gems'].map((name) => {
    const file = reportPath(name);
    const report = parseTrivyReport({
      text: readFileSync(file, 'utf8'),
      reportPath: `reports/${name}.json`,
      fallbackName: file,
    });
    return report;
  });
  const p = profile({
    severity: 'MEDIUM',
    ignoreUnfixed: true,
    exceptions: [
      rule({
        id: 'CVE-2019-18224',
        package: 'libidn2-0',
        note: 'Not reachable | no IDN input',
        until: '2026-12-01',
        origin: 'profiles/test.yml exceptions[0]',
      }),
      rule({
        id: 'CVE-2019-1549',
        note: 'Expired one',
        until: '2026-01-31',
        origin: 'profiles/test.yml exceptions[1]',
      }),
      rule({ id: 'CVE-1999-0001', note: 'Nothing matches', origin: 'profiles/test.yml exceptions[2]' }),
    ],
  });
  const evaluation = evaluate({ images, profile: p, now: SHARED_NOW });
  return buildResults({
    evaluation,
    images,
    errors: [
      {
        image: 'broken',
        kind: 'image',
        source: 'tar_images/broken.tar',
        message: 'Trivy failed (exit 1): unexpected EOF',
      },
    ],
    profile: p,
    now: SHARED_NOW,
    toolVersion: '0.0.0-test',
  });
}
