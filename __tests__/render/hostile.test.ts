// Report text is written by whoever built the image. Tried as an attacker would: through the CLI, the PR comment.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COMMENT_CHAR_LIMIT, previousBlocking, renderPrComment } from '../../src/render/pr-comment.js';
import { cliInProcess, summaryOf } from '../../test/support/cli.ts';
import { finding, imageReport } from '../../test/support/findings.ts';
import { judge } from '../../test/support/judge.ts';

/** Outside code spans (where GitHub shows `<b>` as text), is any HTML left unescaped? */
const rawHtml = (markdown: string) => /(^|[^\\])<b>/.test(markdown.replace(/(`+)[^`][\s\S]*?\1/g, ''));

const HOSTILE = '\n::add-mask::ghp_secret\n::stop-commands::x\u001b]0;owned\u0007\u202e --> <b>@here</b>';

function hostileReport(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-hostile-'));
  const file = path.join(dir, 'report.json');
  const vuln = {
    VulnerabilityID: 'CVE-2024-0001',
    PkgName: `openssl${HOSTILE}`,
    InstalledVersion: '1.0',
    FixedVersion: '1.1',
    Severity: 'CRITICAL',
    Title: `::error::fake${HOSTILE}`,
    PrimaryURL: 'https://avd.aquasec.com/nvd/cve-2024-0001',
  };
  const report = {
    SchemaVersion: 2,
    ArtifactName: 'x.tar',
    Metadata: { RepoTags: [`evil/image:1${HOSTILE}`] },
    Results: [{ Target: `x.tar${HOSTILE}`, Class: 'os-pkgs', Type: 'debian', Vulnerabilities: [vuln] }],
  };
  writeFileSync(file, JSON.stringify(report));
  return file;
}

test('through the CLI: no workflow command, no control character, no HTML reaches the log or the summary', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'vg-hostile-out-'));
  const run = await cliInProcess(['evaluate', '--report', hostileReport(), '--output-dir', out, '--profiles-dir', out]);
  expect(run.code).toBe(1);
  // The terminal's tables: no workflow command, no control character (no escape sequence, no bidi override).
  const printed = run.stdout + run.stderr;
  expect(printed.split('\n').filter((line) => line.startsWith('::'))).toEqual([]);
  expect(printed).not.toMatch(/[\u0007\u001b\u202e]/);
  // The Markdown (summary.md, and what `-f markdown` prints): no HTML, no mention either.
  const markdown = await cliInProcess([
    'evaluate',
    '--report',
    hostileReport(),
    '-f',
    'markdown',
    '--output-dir',
    out,
    '--profiles-dir',
    out,
  ]);
  for (const text of [markdown.stdout + markdown.stderr, summaryOf(markdown)]) {
    expect(text.split('\n').filter((line) => line.startsWith('::'))).toEqual([]);
    expect(text).not.toMatch(/[\u0007\u001b\u202e]/);
    expect(rawHtml(text)).toBe(false);
    expect(text).toContain('@\u200bhere');
  }
});

test('the PR comment: `-->` cannot end the hidden state early; the state reads back whole', () => {
  const f = finding({ image: `evil${HOSTILE}`, package: `pkg${HOSTILE}`, severity: 'CRITICAL' });
  const { results } = judge([imageReport([f])]);
  const body = renderPrComment({ results, marker: '<!-- m -->' });
  const stateLine = body.split('\n').find((l) => l.startsWith('<!-- vulngate-state'))!;
  expect(stateLine.indexOf('-->')).toBe(stateLine.length - 3);
  expect([...previousBlocking(body).values()][0]).toContain('pkg ::add-mask::ghp_secret');
  expect(rawHtml(body)).toBe(false);
});

test('the PR comment stays under GitHub’s 65,536 characters, however many findings block', () => {
  const many = Array.from({ length: 5000 }, (_, i) =>
    finding({ id: `CVE-2024-${i}`, package: `p${'x'.repeat(200)}${i}` }),
  );
  const { results } = judge([imageReport(many)]);
  const body = renderPrComment({ results, marker: '<!-- m -->' });
  expect(body.length).toBeLessThanOrEqual(COMMENT_CHAR_LIMIT);
  expect(previousBlocking(body).size).toBe(200);
});

test('the GitLab report: no HTML, no mention, no control character in what GitLab renders', async () => {
  expect.hasAssertions();
  const { renderGitlabReport } = await import('../../src/render/gitlab.js');
  const f = finding({
    package: `pkg${HOSTILE}`,
    title: `t${HOSTILE}`,
    description: `line 1\n<script>x</script> @team`,
  });
  const { results } = judge([imageReport([f])], { severity: 'LOW' });
  const report = renderGitlabReport({ results, startedAt: new Date(0), finishedAt: new Date(0) }) as {
    vulnerabilities: Record<string, string>[];
  };
  const v = report.vulnerabilities[0]!;
  expect(v.description).toBe('line 1\n&lt;script&gt;x&lt;/script&gt; @\u200bteam');
  for (const field of [v.name, v.solution]) {
    expect(field).not.toMatch(/[<>\u0007\u001b\u202e\n]/);
  }
});
