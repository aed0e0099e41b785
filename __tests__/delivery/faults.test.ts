// Faults and tampering around delivery: the spool, DefectDojo's limits and answers, secrets in URLs and echoes.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCiContext } from '../../src/config/ci-context.js';
import { deliver } from '../../src/delivery/deliver.js';
import { cliInProcess } from '../../test/support/cli.ts';
import { startDefectDojoFake, type DefectDojoFake } from '../../test/support/defectdojo-server.ts';
import { finding, imageReport } from '../../test/support/findings.ts';
import { recordingLogger } from '../../test/support/logger.ts';
import { outcomeFor } from '../../test/support/outcome.ts';
import { reportPath } from '../../test/support/paths.ts';
import { fastRetry } from '../../test/support/retry.ts';

const TOKEN = 'dd-api-key-0987654321';
const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-faults-'));
let dojo: DefectDojoFake;
beforeEach(async () => {
  dojo = await startDefectDojoFake({ token: TOKEN });
});
afterEach(() => dojo.close());

function forward(image: string, extra: Record<string, unknown> = {}, ci = readCiContext({})) {
  const outcome = outcomeFor([imageReport([finding({ image })], image)]);
  const logger = recordingLogger();
  const dd = { url: dojo.url, token: TOKEN, productType: 'acme', product: 'acme/shop', engagement: 'main' };
  const done = deliver({
    ...outcome,
    options: { defectDojo: { ...dd, closeOldFindings: false, tags: [], ...extra }, failure: 'warn' },
    ci,
    context: { logger, env: {}, now: new Date('2026-12-03T10:00:00Z'), retry: fastRetry(2), timeoutMs: 5000 },
  });
  return { logger, done, outcome };
}

describe('DefectDojo', () => {
  test('fields fit its model limits; active and verified are set; a new tag reimports into the same test', async () => {
    const buildId = `https://ci.example.com/${'x'.repeat(200)}/pipelines/1`;
    await forward('shop/api:1.0', { buildId, active: true, verified: true, commit: 'c'.repeat(40) }).done;
    const fields = dojo.requests[0]!.fields;
    expect(fields.build_id![0]).toHaveLength(150);
    expect(fields).toMatchObject({ active: ['true'], verified: ['true'], test_title: ['shop/api'], version: ['1.0'] });
    await forward('shop/api:1.1').done;
    expect(dojo.tests).toHaveLength(1);
    expect(dojo.tests[0]!.imports).toBe(2);
    expect(dojo.requests[1]!.fields.version).toEqual(['1.1']);
  });

  test('the engagement gets the repository URL, branch and commit from CI', async () => {
    const env = {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_REF_NAME: 'main',
    };
    const args = ['evaluate', '--report', reportPath('alpine-39'), '--output-dir', tmp(), '--profiles-dir', tmp()];
    const dd = ['--defectdojo-url', dojo.url, '--defectdojo-allow-http', 'true', '--defectdojo-token', TOKEN];
    await cliInProcess([...args, ...dd], { env });
    expect(dojo.requests[0]!.fields).toMatchObject({
      source_code_management_uri: ['https://github.com/acme/shop'],
      branch_tag: ['main'],
      commit_hash: ['a'.repeat(40)],
    });
  });

  test('a 302 (a login page in front of the API) is not an import, and is not followed', async () => {
    dojo.script({ status: 302, body: '', headers: { location: 'https://sso.example.com/login' } });
    const { logger, done } = forward('shop/api:1');
    const [outcome] = await done;
    expect(outcome?.status).toBe('failed');
    expect(logger.at('warning')[0]).toContain('DefectDojo answered 302, a redirect to https://sso.example.com');
    expect(dojo.requests).toHaveLength(1);
  });

  test('a 200 that is not DefectDojo’s answer is not an import', async () => {
    dojo.script({ status: 200, body: '<html>Welcome to the proxy</html>' });
    const [outcome] = await forward('shop/api:1').done;
    expect(outcome?.status).toBe('failed');
  });

  test('a token echoed back in an error body is never logged nor spooled', async () => {
    expect.hasAssertions();
    dojo.script({ status: 400, body: JSON.stringify({ detail: `bad request with Authorization: Token ${TOKEN}` }) });
    const { logger, done, outcome } = forward('shop/api:1');
    await done;
    expect(logger.lines.map((l) => l.message).join('\n')).not.toContain(TOKEN);
    expect(logger.at('warning')[0]).toContain('Token ***');
    const spool = path.join(outcome.outputDir, 'undelivered');
    const spooled = (readdirSync(spool, { recursive: true }) as string[]).filter((name) => name.endsWith('.json'));
    expect(spooled.length).toBeGreaterThan(0);
    for (const name of spooled) expect(readFileSync(path.join(spool, name), 'utf8')).not.toContain(TOKEN);
  });

  test('a refused token: one line for every image, and no more requests after the first', async () => {
    const outcome = outcomeFor([
      imageReport([finding({ image: 'a:1' })], 'a:1'),
      imageReport([finding({ image: 'b:1' })], 'b:1'),
    ]);
    const logger = recordingLogger();
    const dd = { url: dojo.url, token: 'wrong', productType: 'acme', product: 'acme/shop', engagement: 'main' };
    await deliver({
      ...outcome,
      options: { defectDojo: { ...dd, closeOldFindings: false, tags: [] }, failure: 'warn' },
      ci: readCiContext({}),
      context: { logger, env: {}, now: new Date(), retry: fastRetry(2) },
    });
    expect(dojo.requests).toHaveLength(1);
    expect(logger.at('warning').filter((l) => l.includes('refused the token'))).toEqual([
      expect.stringMatching(/\(a:1, b:1\)$/),
    ]);
  });
});

describe('the spool (out/undelivered)', () => {
  function spoolWith(entries: Record<string, string>): string {
    const out = tmp();
    mkdirSync(path.join(out, 'undelivered'), { recursive: true });
    for (const [name, text] of Object.entries(entries)) writeFileSync(path.join(out, 'undelivered', name), text);
    return out;
  }
  const ddEntry = (reportFile: string) =>
    JSON.stringify({
      version: 1,
      sink: 'defectdojo',
      createdAt: '2026-12-03T00:00:00Z',
      reasons: [],
      settings: {
        engagement: 'c',
        tags: [],
        scanDate: '2026-12-03',
      },
      uploads: [{ image: 'x:1', reportFile }],
    });

  /** The replaying job's own settings: where DefectDojo is, and its token. */
  const replayEnv = () => ({
    VULNGATE_DEFECTDOJO_TOKEN: TOKEN,
    VULNGATE_DEFECTDOJO_URL: dojo.url,
    VULNGATE_DEFECTDOJO_ALLOW_HTTP: 'true',
    VULNGATE_DEFECTDOJO_PRODUCT_TYPE: 'a',
    VULNGATE_DEFECTDOJO_PRODUCT: 'b',
  });

  test('an entry naming a file outside the spool is refused; the file is neither sent nor deleted', async () => {
    const out = spoolWith({ 'defectdojo-evil.json': ddEntry('../../victim.json') });
    const victim = path.join(out, '..', 'victim.json');
    writeFileSync(victim, '{"secret": true}');
    const run = await cliInProcess(['forward', '--from', out], { env: replayEnv() });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('skipped, it names a report file outside the spool directory; it is left in place');
    expect(existsSync(victim)).toBe(true);
    expect(dojo.requests).toHaveLength(0);
  });

  test('an entry naming where to send it is refused: the token goes only where this job says DefectDojo is', async () => {
    const evil = await startDefectDojoFake({ token: TOKEN });
    try {
      const entry = JSON.parse(ddEntry('defectdojo-e/001.json')) as { settings: Record<string, unknown> };
      entry.settings.url = evil.url;
      const out = spoolWith({ 'defectdojo-e.json': JSON.stringify(entry) });
      mkdirSync(path.join(out, 'undelivered', 'defectdojo-e'));
      writeFileSync(path.join(out, 'undelivered', 'defectdojo-e', '001.json'), readFileSync(reportPath('alpine-39')));
      const run = await cliInProcess(['forward', '--from', out], { env: replayEnv() });
      expect(run.code).toBe(4);
      expect(run.stderr).toContain('skipped, it names more than what to send (settings.url)');
      expect(evil.requests).toHaveLength(0);
      expect(dojo.requests).toHaveLength(0);
    } finally {
      await evil.close();
    }
  });

  test('a corrupt entry is reported and skipped; the others are still sent', async () => {
    const out = spoolWith({
      'defectdojo-a-broken.json': '{not json',
      'defectdojo-b-good.json': ddEntry('defectdojo-b/001.json'),
    });
    mkdirSync(path.join(out, 'undelivered', 'defectdojo-b'));
    writeFileSync(
      path.join(out, 'undelivered', 'defectdojo-b', '001.json'),
      readFileSync(reportPath('alpine-39'), 'utf8'),
    );
    const run = await cliInProcess(['forward', '--from', out], { env: replayEnv() });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/defectdojo-a-broken\.json: skipped, not readable JSON/);
    expect(dojo.requests.filter((r) => r.status === 201)).toHaveLength(1);
    expect(existsSync(path.join(out, 'undelivered', 'defectdojo-b-good.json'))).toBe(false);
    expect(existsSync(path.join(out, 'undelivered', 'defectdojo-a-broken.json'))).toBe(true);
  });

  test('forward --from a directory that does not exist: exit 2, not "everything was delivered"', async () => {
    const run = await cliInProcess(['forward', '--from', path.join(tmp(), 'nope')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^vulngate: from: '.*nope' is not an output directory of an earlier run \(ENOENT\)$/m);
    expect(run.stdout).not.toContain('Everything was delivered');
  });

  test('written ahead: while DefectDojo has not answered, the import is already in the spool', async () => {
    dojo.script('hang');
    const { done, outcome } = forward('shop/api:1', {});
    await new Promise((r) => setTimeout(r, 300));
    // As a cancelled job would leave it: the entry and its report, before any answer.
    const names = readdirSync(path.join(outcome.outputDir, 'undelivered'), { recursive: true }) as string[];
    expect(names.some((n) => /^defectdojo-.*\.json$/.test(n))).toBe(true);
    expect(names.some((n) => /\/001\.json$/.test(n))).toBe(true);
    await done;
  }, 30_000);
});

test('a password in a URL is refused before anything is sent, and never printed', async () => {
  const run = await cliInProcess([
    'evaluate',
    '--report',
    reportPath('alpine-39'),
    '--output-dir',
    tmp(),
    '--defectdojo-url',
    'https://admin:hunter2@dojo.example.com',
    '--defectdojo-token',
    'x',
  ]);
  expect(run.code).toBe(2);
  expect(run.stderr.trim()).toBe(
    'vulngate: --defectdojo-url: a URL with a user or password in it is refused; give the token in its own setting',
  );
  expect(run.stdout + run.stderr).not.toContain('hunter2');
});
