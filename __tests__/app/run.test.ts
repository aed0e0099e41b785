import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, type RunPorts } from '../../src/app/run.js';
import { readCiContext } from '../../src/config/ci-context.js';
import type { RunSettings } from '../../src/config/settings.js';
import { ExitCode } from '../../src/core/errors.js';
import { recordingLogger } from '../../test/support/logger.ts';
import { reportPath } from '../../test/support/paths.ts';
import { fastRetry } from '../../test/support/retry.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-run-'));

function settings(
  overrides: {
    reports?: string[];
    profile?: string;
    failOnFindings?: boolean;
    delivery?: RunSettings['delivery'];
  } = {},
): RunSettings {
  return {
    ci: readCiContext({}),
    gate: {
      source: { kind: 'reports', reports: overrides.reports ?? [reportPath('alpine-39')] },
      profile: overrides.profile,
      profilesDir: tmp(),
      overrides: {},
      outputDir: tmp(),
      failOnFindings: overrides.failOnFindings ?? true,
      parallel: 1,
      sarif: { include: 'all' },
      failOn: 'all',
      writeSbom: false,
      tarballSha256: false,
      dbAge: { maxHours: 72, strict: false },
      vex: [],
    },
    delivery: overrides.delivery ?? { failure: 'warn' },
  };
}

function ports(
  extra: Partial<Omit<RunPorts, 'logger'>> = {},
): RunPorts & { logger: ReturnType<typeof recordingLogger> } {
  return {
    logger: recordingLogger(),
    now: () => new Date('2026-12-03T10:00:00Z'),
    env: {},
    createScanner: () => Promise.reject(new Error('no scanner in these tests')),
    timing: { deliveryRetry: fastRetry(2), deliveryTimeoutMs: 2000 },
    ...extra,
  };
}

/** A DefectDojo that answers every import with 500, as one that is down does. */
async function brokenDefectDojo() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Server Error (500)</h1>'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

function withDefectDojo(url: string, failure: 'warn' | 'fail'): RunSettings['delivery'] {
  const dd = { url, token: 'dd-secret-token', productType: 'acme', product: 'acme/shop', engagement: 'main' };
  return { failure, defectDojo: { ...dd, closeOldFindings: false, tags: [] } };
}

const passing = () => {
  const dir = tmp();
  writeFileSync(
    path.join(dir, 'p.yml'),
    'severity: CRITICAL\nignore_unfixed: true\nexceptions:\n  - id: CVE-2019-14697\n    note: ok\n',
  );
  return path.join(dir, 'p.yml');
};

describe('the exit-code table', () => {
  test('0: the profile passed', async () => {
    const outcome = await run(settings({ profile: passing() }), ports());
    expect(outcome.exitCode).toBe(ExitCode.Pass);
    expect(outcome.reason).toMatch(/^✅ vulngate: PASS/);
  });

  test('1: the profile failed the check; with fail-on-findings false it is 0 and a warning', async () => {
    expect((await run(settings(), ports())).exitCode).toBe(ExitCode.PolicyFailed);
    const p = ports();
    const lenient = await run(settings({ failOnFindings: false }), p);
    expect(lenient.exitCode).toBe(ExitCode.Pass);
    expect(p.logger.at('warning')).toContain(`${lenient.reason} (not failing: fail-on-findings is false)`);
  });

  test('2: configuration, before anything is judged or written', async () => {
    const s = settings({ profile: 'no/such/profile.yml' });
    const outcome = await run(s, ports());
    expect(outcome).toMatchObject({ exitCode: ExitCode.Config, reason: "profile 'no/such/profile.yml': no such file" });
    expect(outcome.gate).toBeUndefined();
    expect(existsSync(path.join(s.gate.outputDir, 'vulngate-results.json'))).toBe(false);
  });

  test('3: a report could not be read; it outranks a failed verdict, and the rest is still written', async () => {
    const broken = path.join(mkdtempSync(path.join(tmpdir(), 'vg-broken-')), 'broken.json');
    writeFileSync(broken, '{"SchemaVersion": 2, "Results": ');
    const s = settings({ reports: [reportPath('alpine-39'), broken] });
    const outcome = await run(s, ports());
    expect(outcome.exitCode).toBe(ExitCode.Scanner);
    expect(outcome.gate?.results.images).toHaveLength(1);
    expect(existsSync(path.join(s.gate.outputDir, 'vulngate-results.json'))).toBe(true);
  });

  test('2: a report that does not exist is a configuration error, like a missing tarball; nothing is written', async () => {
    const s = settings({ reports: [reportPath('alpine-39'), '/nowhere/report.json'] });
    const outcome = await run(s, ports());
    expect(outcome.exitCode).toBe(ExitCode.Config);
    expect(outcome.reason).toBe("reports: no such file: '/nowhere/report.json' (expected Trivy JSON reports)");
    expect(existsSync(path.join(s.gate.outputDir, 'vulngate-results.json'))).toBe(false);
  });

  test('4: delivery failed with forward-failure: fail; warn keeps 0; a failed verdict stays 1', async () => {
    const dojo = await brokenDefectDojo();
    try {
      const fail = await run(settings({ profile: passing(), delivery: withDefectDojo(dojo.url, 'fail') }), ports());
      expect(fail.exitCode).toBe(ExitCode.Delivery);
      expect(fail.reason).toMatch(/^✅ vulngate: PASS .*; but forwarding failed and forward-failure is fail$/);
      expect(fail.deliveries).toEqual([
        expect.objectContaining({ receiver: 'defectdojo', status: 'failed', spooled: expect.any(String) }),
      ]);
      const warn = await run(settings({ profile: passing(), delivery: withDefectDojo(dojo.url, 'warn') }), ports());
      expect(warn.exitCode).toBe(ExitCode.Pass);
      const verdict = await run(settings({ delivery: withDefectDojo(dojo.url, 'fail') }), ports());
      expect(verdict.exitCode).toBe(ExitCode.PolicyFailed);
      expect(verdict.deliveries[0]?.status).toBe('failed');
    } finally {
      await dojo.close();
    }
  });

  test('70: an internal error is not mistaken for a scanner error', async () => {
    const outcome = await run(
      settings(),
      ports({
        now: () => {
          throw new TypeError('clock broke');
        },
      }),
    );
    expect(outcome).toMatchObject({
      exitCode: ExitCode.Internal,
      reason: 'unexpected error: clock broke (please report this)',
    });
  });
});
