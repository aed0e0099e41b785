// Judge + render cost: N findings (ids repeated across packages, or every id distinct) against M exceptions,
// evaluate → results → every output: results JSON, summary, SARIF, GitLab report, PR comment, SQS messages.
// One child process per case, so peak memory (maxRSS) belongs to that case alone.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const build = process.env.BENCH_BUILD;
const here = fileURLToPath(import.meta.url);
const load = (file) => import(path.join(build, file));

async function runCase(findings, exceptions, distinct) {
  const { evaluate } = await load('core/evaluate.js');
  const { buildResults } = await load('core/results.js');
  const { outputFiles } = await load('app/outputs.js');
  const { writeOutputs } = await load('app/outputs.js');
  const { renderPrComment } = await load('render/pr-comment.js');
  const { buildMessages } = await load('delivery/receivers/sqs/messages.js');
  const { readCiContext } = await load('config/ci-context.js');
  const severities = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
  const images = Array.from({ length: 10 }, (_, i) => ({
    image: `registry.example.com/app-${i}:1.0`,
    reportPath: `r${i}.json`,
    artifactName: `a${i}.tar`,
    trivyVersion: '0.74.0',
    findings: [],
  }));
  for (let i = 0; i < findings; i += 1) {
    const id = distinct
      ? `CVE-${2000 + (i % 25)}-${String(i).padStart(6, '0')}`
      : `CVE-2024-${String(i % 20000).padStart(5, '0')}`;
    images[i % 10].findings.push({
      image: images[i % 10].image,
      target: 't',
      class: 'os-pkgs',
      type: 'debian',
      kind: 'vulnerability',
      id,
      package: `pkg-${i % 500}`,
      pkgId: '',
      purl: '',
      installedVersion: '1.0',
      fixedVersion: i % 3 === 0 ? '' : '1.1',
      status: 'fixed',
      severity: severities[i % 5],
      title: `Test vulnerability ${i}`,
      description: 'x'.repeat(200),
      primaryUrl: 'https://avd.aquasec.com/nvd/x',
      references: [],
      cweIds: [],
      cvss: 7.5,
    });
  }
  const rules = Array.from({ length: exceptions }, (_, i) => ({
    id: distinct
      ? `CVE-${2000 + ((i * 7) % 25)}-${String(i * 7).padStart(6, '0')}`
      : `CVE-2024-${String(i * 7).padStart(5, '0')}`,
    package: i % 2 ? `pkg-${(i * 7) % 500}` : undefined,
    images: i % 3 ? ['registry.example.com/*'] : undefined,
    note: 'bench',
    until: '2099-12-31',
    origin: `bench exceptions[${i}]`,
  }));
  const profile = { source: 'bench', severity: 'HIGH', ignoreUnfixed: true, exceptions: rules };
  const now = new Date('2026-11-23T00:00:00Z');
  const out = mkdtempSync(path.join(tmpdir(), 'vg-bench-judge-'));
  const started = process.hrtime.bigint();
  const evaluation = evaluate({ images, profile, now });
  const results = buildResults({ evaluation, images, errors: [], profile, now, toolVersion: 'bench' });
  // As the gate writes them (into a temporary directory), plus the PR comment and the SQS messages.
  const files = outputFiles(out);
  await writeOutputs({
    results,
    files,
    sarif: { include: 'all' },
    failOnFindings: true,
    startedAt: now,
    finishedAt: now,
  });
  const comment = renderPrComment({ results, marker: '<!-- bench -->' });
  const ci = readCiContext({});
  const messages = buildMessages({ identity: { scanId: 'bench', timestamp: now.toISOString(), ci }, results });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const sarifMb = statSync(files.sarif).size / 1048576;
  rmSync(out, { recursive: true, force: true });
  return { ms, maxRssMb: process.resourceUsage().maxRSS / 1024, sarifMb, outputs: comment.length + messages.length };
}

if (process.argv[2] === 'case') {
  const r = await runCase(Number(process.argv[3]), Number(process.argv[4]), process.argv[5] === 'distinct');
  process.stdout.write(JSON.stringify(r));
} else {
  const cases = [
    [1000, 0, 'repeated'],
    [10000, 100, 'repeated'],
    [100000, 1000, 'repeated'],
    [2000, 0, 'distinct'],
    [10000, 0, 'distinct'],
    [100000, 0, 'distinct'],
    [100000, 1000, 'distinct'],
  ];
  console.log(
    'Every output, as the gate writes it: results JSON, SARIF, GitLab report, summary; plus the PR comment and SQS messages.',
  );
  console.log('');
  console.log(
    '| findings | ids | exceptions | judge + render + write all, median of 3 (ms) | peak RSS (MB) | ms per 1k findings |',
  );
  console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
  for (const [findings, exceptions, ids] of cases) {
    const runs = [1, 2, 3].map(() =>
      JSON.parse(
        execFileSync(
          process.execPath,
          ['--max-old-space-size=4096', here, 'case', String(findings), String(exceptions), ids],
          {
            encoding: 'utf8',
          },
        ),
      ),
    );
    runs.sort((a, b) => a.ms - b.ms);
    const ms = runs[1].ms;
    const rss = Math.max(...runs.map((r) => r.maxRssMb));
    const label = ids === 'distinct' ? 'all distinct' : '20k ids, repeated';
    console.log(
      `| ${findings} | ${label} | ${exceptions} | ${ms.toFixed(0)} | ${rss.toFixed(0)} | ${(ms / (findings / 1000)).toFixed(2)} |`,
    );
  }
}
