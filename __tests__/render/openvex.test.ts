import { evaluate } from '../../src/core/evaluate.js';
import { buildResults } from '../../src/core/results.js';
import { renderOpenVex } from '../../src/render/openvex.js';
import { finding, imageReport, profile, rule } from '../../test/support/findings.ts';
import { expectGolden } from '../../test/support/golden.ts';
import { sharedResults } from '../../test/support/shared-results.ts';

const NOW = new Date('2026-11-23T15:30:00Z');

interface Doc {
  statements: {
    vulnerability: { name: string };
    status: string;
    justification?: string;
    impact_statement?: string;
    action_statement?: string;
  }[];
}

function vexOf(exceptions: Parameters<typeof rule>[0][], findings = [finding()]): Doc {
  const images = [{ ...imageReport(findings), evidence: { imageId: 'sha256:abc', repoDigests: [], diffIds: [] } }];
  const p = profile({ exceptions: exceptions.map((r, i) => rule({ origin: `p.yml exceptions[${i}]`, ...r })) });
  const evaluation = evaluate({ images, profile: p, now: NOW });
  const results = buildResults({ evaluation, images, errors: [], profile: p, now: NOW, toolVersion: '0.1.0' });
  return renderOpenVex(results) as unknown as Doc;
}

test('an exception is a risk accepted: affected by default, with the note as its action statement', () => {
  expect(vexOf([{ note: 'base image bump scheduled' }]).statements).toEqual([
    expect.objectContaining({ status: 'affected', action_statement: 'base image bump scheduled' }),
  ]);
});

test('not_affected only when the exception says so, with its OpenVEX justification', () => {
  const [statement] = vexOf([
    { note: 'never called', vexStatus: 'not_affected', vexJustification: 'vulnerable_code_not_in_execute_path' },
  ]).statements;
  expect(statement).toMatchObject({
    status: 'not_affected',
    justification: 'vulnerable_code_not_in_execute_path',
    impact_statement: 'never called',
  });
  expect(statement!.action_statement).toBeUndefined();
});

test('a secret never goes into the VEX document', () => {
  const secret = finding({ kind: 'secret', id: 'aws-access-key-id', package: '/app/.env', fixedVersion: '' });
  expect(vexOf([{ id: 'aws-access-key-id', note: 'test key' }], [secret]).statements).toEqual([]);
});

test('the OpenVEX document of three shared reports (golden)', () => {
  expectGolden('openvex-shared.json', `${JSON.stringify(renderOpenVex(sharedResults()), null, 2)}\n`);
});
