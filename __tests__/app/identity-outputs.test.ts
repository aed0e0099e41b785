// Issue: one identity that does not depend on the run. The three-image run, the same image alone, and its next push
// (new tag, report moved) give the same identities and fingerprints in every output that keys on them.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliInProcess } from '../../test/support/cli.ts';
import { reportPath } from '../../test/support/paths.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-id-'));
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const NAMES = ['alpine-39', 'debian-stretch', 'fluentd-gems'];
const ALPINE = 'ghcr.io/aquasecurity/trivy-test-images#alpine-39';

function copy(dir: string, name: string, tag?: string): string {
  const file = path.join(dir, `${name}.json`);
  const report = JSON.parse(readFileSync(reportPath(name), 'utf8')) as { Metadata: { RepoTags?: string[] } };
  if (tag) report.Metadata.RepoTags = [`ghcr.io/aquasecurity/trivy-test-images:${tag}`];
  writeFileSync(file, JSON.stringify(report));
  return file;
}

/** What every output says of alpine-39: the record's identity and fingerprints, SARIF, GitLab, the SQS-keyed ids. */
async function alpineIdentity(reports: string[]) {
  const out = tmp();
  await cliInProcess([
    'evaluate',
    ...reports.flatMap((r) => ['--report', r]),
    '--output-dir',
    out,
    '--profiles-dir',
    tmp(),
  ]);
  const record = read(path.join(out, 'vulngate-results.json')) as {
    images: { name: string; stableName: string }[];
    findings: { image: string; fingerprint: string }[];
  };
  const image = record.images.find((i) => i.stableName === ALPINE)!;
  const fingerprints = record.findings
    .filter((f) => f.image === image.name)
    .map((f) => f.fingerprint)
    .sort();
  const sarif = read(path.join(out, 'vulngate.sarif')) as {
    runs: { automationDetails: { id: string }; results: { partialFingerprints: Record<string, string> }[] }[];
  };
  const run = sarif.runs.find((r) => r.automationDetails.id.includes('alpine-39'))!;
  const gitlab = read(path.join(out, 'gl-container-scanning-report.json')) as {
    vulnerabilities: { id: string; location: { image: string } }[];
  };
  return {
    identity: image.stableName,
    fingerprints,
    sarifCategory: run.automationDetails.id,
    sarif: run.results.map((r) => r.partialFingerprints['vulngateFinding/v2']).sort(),
    gitlab: gitlab.vulnerabilities
      .filter((v) =>
        fingerprints.some(
          (f) => v.id === `${f.slice(0, 8)}-${f.slice(8, 12)}-${f.slice(12, 16)}-${f.slice(16, 20)}-${f.slice(20, 32)}`,
        ),
      )
      .map((v) => v.id)
      .sort(),
  };
}

test('three images of one repository, alpine alone, and alpine’s next push: one identity in every output', async () => {
  const dir = tmp();
  const together = await alpineIdentity(NAMES.map((n) => copy(dir, n)));
  expect(together.identity).toBe(ALPINE);
  expect(together.sarifCategory).toBe(`vulngate/${ALPINE}/`);
  expect(together.fingerprints.length).toBeGreaterThan(0);
  expect(together.sarif).toEqual(together.fingerprints);
  expect(together.gitlab).toHaveLength(together.fingerprints.length);
  expect(await alpineIdentity([copy(tmp(), 'alpine-39')])).toEqual(together);
  expect(await alpineIdentity([copy(tmp(), 'alpine-39', '3f2a1c9')])).toEqual(together);
});

test('target-identity sets it per target; a malformed rule is one line naming the option', async () => {
  const out = tmp();
  const run = await cliInProcess([
    'evaluate',
    '--report',
    copy(tmp(), 'alpine-39'),
    '--target-identity',
    'alpine-*.json=shop/legacy-alpine',
    '--output-dir',
    out,
    '--profiles-dir',
    tmp(),
  ]);
  expect(run.code).toBe(1);
  expect(
    (read(path.join(out, 'vulngate-results.json')) as { images: { stableName: string }[] }).images[0]!.stableName,
  ).toBe('shop/legacy-alpine');
  const bad = await cliInProcess([
    'evaluate',
    '--report',
    reportPath('alpine-39'),
    '--target-identity',
    'no-equals-sign',
  ]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toBe(
    "vulngate: --target-identity: 'no-equals-sign' is not PATTERN=IDENTITY (e.g. tar_images/api-*.tar=shop/api)\n",
  );
});
