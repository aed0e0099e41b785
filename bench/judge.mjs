// Judge + render cost: N findings against M exceptions, evaluate → results → summary → JSON.
// One child process per case, so peak memory (maxRSS) belongs to that case alone.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const build = process.env.BENCH_BUILD;
const here = fileURLToPath(import.meta.url);

async function runCase(findings, exceptions) {
  const { evaluate } = await import(path.join(build, 'core/evaluate.js'));
  const { buildResults } = await import(path.join(build, 'core/results.js'));
  const { renderSummary } = await import(path.join(build, 'render/summary.js'));
  const severities = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
  const images = Array.from({ length: 10 }, (_, i) => ({
    image: `registry.example.com/app-${i}:1.0`,
    reportPath: `r${i}.json`,
    artifactName: `a${i}.tar`,
    trivyVersion: '0.74.0',
    findings: [],
  }));
  for (let i = 0; i < findings; i += 1) {
    images[i % 10].findings.push({
      image: images[i % 10].image,
      target: 't',
      class: 'os-pkgs',
      type: 'debian',
      kind: 'vulnerability',
      id: `CVE-2024-${String(i % 20000).padStart(5, '0')}`,
      pkgName: `pkg-${i % 500}`,
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
      cvssScore: 7.5,
    });
  }
  const rules = Array.from({ length: exceptions }, (_, i) => ({
    id: `CVE-2024-${String(i * 7).padStart(5, '0')}`,
    package: i % 2 ? `pkg-${i % 500}` : undefined,
    images: i % 3 ? ['registry.example.com/*'] : undefined,
    note: 'bench',
    until: '2099-12-31',
    origin: `bench exceptions[${i}]`,
  }));
  const profile = { source: 'bench', severity: 'HIGH', ignoreUnfixed: true, exceptions: rules };
  const now = new Date('2026-11-23T00:00:00Z');
  const started = process.hrtime.bigint();
  const evaluation = evaluate({ images, profile, now });
  const results = buildResults({ evaluation, images, errors: [], profile, now, toolVersion: 'bench' });
  const summary = renderSummary({ results });
  const json = JSON.stringify(results);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, maxRssMb: process.resourceUsage().maxRSS / 1024, bytes: json.length + summary.length };
}

if (process.argv[2] === 'case') {
  const r = await runCase(Number(process.argv[3]), Number(process.argv[4]));
  process.stdout.write(JSON.stringify(r));
} else {
  const rows = [];
  for (const findings of [1000, 10000, 100000]) {
    for (const exceptions of [0, 100, 1000]) {
      const runs = [1, 2, 3].map(() =>
        JSON.parse(
          execFileSync(process.execPath, [here, 'case', String(findings), String(exceptions)], { encoding: 'utf8' }),
        ),
      );
      runs.sort((a, b) => a.ms - b.ms);
      rows.push({ findings, exceptions, medianMs: runs[1].ms, maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)) });
    }
  }
  console.log('| findings | exceptions | judge + render, median of 3 (ms) | peak RSS (MB) | ms per 1k findings |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(
      `| ${r.findings} | ${r.exceptions} | ${r.medianMs.toFixed(0)} | ${r.maxRssMb.toFixed(0)} | ${(r.medianMs / (r.findings / 1000)).toFixed(2)} |`,
    );
}
