import { readFileSync } from 'node:fs';
import { withExceptions } from '../../src/delivery/receivers/defectdojo/report.js';
import { renderGitlabReport } from '../../src/render/gitlab.js';
import { renderSarif } from '../../src/render/sarif.js';
import { TEST_NOW, judge, loadShared } from '../../test/support/judge.ts';
import { reportPath } from '../../test/support/paths.ts';

// musl's CVE in alpine-39, excepted with who accepted it and where it is tracked.
const exception = {
  id: 'CVE-2019-14697',
  package: 'musl',
  note: 'not reachable from our code',
  owner: 'payments-team',
  ticket: 'https://jira.example.com/browse/SEC-142',
  until: '2027-01-31',
  origin: 'profiles/shop.yml exceptions[0]',
};
const { results } = judge([loadShared('alpine-39')], { severity: 'HIGH', exceptions: [exception] });

test('owner and ticket travel with the excepted finding into SARIF, GitLab and the DefectDojo import', () => {
  const excepted = results.findings.filter((f) => f.decision === 'excepted');
  expect(excepted.map((f) => f.package)).toEqual(['musl']);

  const sarif = renderSarif({ results, include: 'all' }).sarif.runs[0]!.results as {
    properties: Record<string, string>;
  }[];
  expect(sarif.find((r) => r.properties.package === 'musl')?.properties).toMatchObject({
    exceptionOwner: 'payments-team',
    exceptionTicket: 'https://jira.example.com/browse/SEC-142',
  });

  const gitlab = renderGitlabReport({ results, startedAt: TEST_NOW, finishedAt: TEST_NOW }) as {
    vulnerabilities: { description: string; location: { dependency: { package: { name: string } } } }[];
  };
  const musl = gitlab.vulnerabilities.find((v) => v.location.dependency.package.name === 'musl')!;
  expect(musl.description).toMatch(
    /^Excepted by the vulngate profile until 2027-01-31 \(accepted by payments-team, ticket https:\/\/jira\.example\.com\/browse\/SEC-142\): not reachable/,
  );

  const uploaded = JSON.parse(withExceptions(readFileSync(reportPath('alpine-39'), 'utf8'), excepted)) as {
    Results: { Vulnerabilities?: { PkgName: string; Description: string }[] }[];
  };
  const vulns = uploaded.Results.flatMap((r) => r.Vulnerabilities ?? []);
  expect(vulns.find((v) => v.PkgName === 'musl')?.Description).toMatch(
    /^Excepted by vulngate \(until 2027-01-31, accepted by payments-team, ticket https:\/\/jira\.example\.com\/browse\/SEC-142\): not reachable from our code\n\n/,
  );
  // Only the excepted package: musl-utils has the same CVE and is not excepted.
  expect(vulns.find((v) => v.PkgName === 'musl-utils')?.Description).not.toMatch(/^Excepted/);
});
