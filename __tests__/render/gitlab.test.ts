import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { GITLAB_REPORT_VERSION, gitlabTime, renderGitlabReport } from '../../src/render/gitlab.js';
import { finding, imageReport } from '../../test/support/findings.ts';
import { expectGolden } from '../../test/support/golden.ts';
import { TEST_NOW, judge, loadShared } from '../../test/support/judge.ts';
import { ROOT, SHARED_REPORT_NAMES } from '../../test/support/paths.ts';

const schema = JSON.parse(
  readFileSync(path.join(ROOT, 'test/fixtures/schemas/gitlab-container-scanning-report-15.0.7.json'), 'utf8'),
);
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function render(names: string[], overrides = {}) {
  const images = names.map(loadShared);
  const { results } = judge(images, overrides);
  return renderGitlabReport({ results, startedAt: TEST_NOW, finishedAt: new Date(TEST_NOW.getTime() + 61_000) });
}

test.each(SHARED_REPORT_NAMES)('%s: valid against the GitLab 15.0.7 schema', (name) => {
  const report = render([name]);
  const ok = validate(report);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
});

test('the schema check can fail (a report missing location is rejected)', () => {
  const report = render(['alpine-39']) as { vulnerabilities: Record<string, unknown>[] };
  delete report.vulnerabilities[0]!.location;
  expect(validate(report)).toBe(false);
});

test('scan, identifiers, location, severity, solution, links', () => {
  const report = render(['debian-buster'], {
    exceptions: [{ id: 'CVE-2019-18224', note: 'no IDN input', until: '2026-12-31', origin: 'p exceptions[0]' }],
  }) as {
    version: string;
    scan: Record<string, unknown>;
    vulnerabilities: Record<string, unknown>[];
  };
  expect(report.version).toBe(GITLAB_REPORT_VERSION);
  expect(report.scan).toEqual({
    analyzer: {
      id: 'vulngate',
      name: 'vulngate',
      version: '0.1.0',
      vendor: { name: 'vulngate' },
      url: 'https://github.com/vulngate/vulngate',
    },
    scanner: {
      id: 'trivy',
      name: 'Trivy',
      version: 'dev',
      vendor: { name: 'Aqua Security' },
      url: 'https://github.com/aquasecurity/trivy',
    },
    start_time: '2026-11-23T12:00:00',
    end_time: '2026-11-23T12:01:01',
    status: 'success',
    type: 'container_scanning',
  });
  const [bash, idn] = report.vulnerabilities;
  expect(bash).toMatchObject({
    severity: 'Low',
    solution: 'No solution is known yet.',
    identifiers: [
      {
        type: 'cve',
        name: 'CVE-2019-18276',
        value: 'CVE-2019-18276',
        url: 'https://avd.aquasec.com/nvd/cve-2019-18276',
      },
    ],
    location: {
      dependency: { package: { name: 'bash' }, version: '5.0-4' },
      operating_system: 'debian 10.1',
      image: 'ghcr.io/aquasecurity/trivy-test-images:debian-buster',
    },
  });
  expect(idn).toMatchObject({ severity: 'Critical', solution: 'Upgrade libidn2-0 to 2.0.5-1+deb10u1' });
  expect(String(idn!.description)).toMatch(/^Excepted by the vulngate profile until 2026-12-31: no IDN input\n\n/);
  expect((idn!.links as { url: string }[])[0]).toEqual({ url: 'https://avd.aquasec.com/nvd/cve-2019-18224' });
  expect(bash!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(render(['debian-buster']).vulnerabilities).toEqual(
    expect.arrayContaining([expect.objectContaining({ id: bash!.id })]),
  );
});

test('scanner errors make the status failure, with messages', () => {
  const img = imageReport([finding()]);
  const { results } = judge([img]);
  const report = renderGitlabReport({
    results: {
      ...results,
      errors: [{ image: 'x', kind: 'image', source: 'tar_images/x.tar', message: 'Trivy failed' }],
    },
    startedAt: TEST_NOW,
    finishedAt: TEST_NOW,
  }) as { scan: Record<string, unknown> };
  expect(report.scan.status).toBe('failure');
  expect(report.scan.messages).toEqual([{ level: 'fatal', value: 'tar_images/x.tar: Trivy failed' }]);
  expect(validate(report)).toBe(true);
});

test('times are UTC without a zone', () => {
  expect(gitlabTime(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05');
});

test('golden file', () => {
  expectGolden('gitlab-shared.json', `${JSON.stringify(render(['alpine-39', 'fluentd-gems']), null, 2)}\n`);
});
