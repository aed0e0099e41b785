import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCiContext } from '../../../src/config/ci-context.js';
import { describeDefectDojoError } from '../../../src/delivery/receivers/defectdojo/import.js';
import { imageWithoutTag, stableReport } from '../../../src/delivery/receivers/defectdojo/report.js';
import { deliver } from '../../../src/delivery/deliver.js';
import { cliInProcess } from '../../../test/support/cli.ts';
import { startDefectDojoFake, type DefectDojoFake } from '../../../test/support/defectdojo-server.ts';
import { writeFixtureImages } from '../../../test/support/fixture-images.ts';
import { recordingLogger } from '../../../test/support/logger.ts';
import { outcomeFor } from '../../../test/support/outcome.ts';
import { failedSinks, fastRetry } from '../../../test/support/retry.ts';
import { loadShared } from '../../../test/support/judge.ts';
import { reportPath, ROOT } from '../../../test/support/paths.ts';
import { freshTrivyCache, pathWithTrivy } from '../../../test/support/trivy.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-dd-'));
const TOKEN = 'dd-api-key-1234567890';
const GITHUB = {
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_SHA: 'c'.repeat(40),
  GITHUB_REF: 'refs/heads/main',
  GITHUB_REF_NAME: 'main',
  GITHUB_RUN_ID: '77',
  GITHUB_SERVER_URL: 'https://github.com',
  VULNGATE_DEFAULT_BRANCH: 'main',
};
const FAST = fastRetry(3, 10);

let dojo: DefectDojoFake;
beforeEach(async () => {
  dojo = await startDefectDojoFake({ token: TOKEN });
});
afterEach(() => dojo.close());

function ddFlags(extra: string[] = []): string[] {
  return [
    '--defectdojo-url',
    dojo.url,
    '--defectdojo-allow-http',
    'true',
    '--defectdojo-tags',
    'ci,containers',
    ...extra,
  ];
}

describe('imports with the real Trivy reports', () => {
  test('one reimport per image with stable names; a second run from another tarball path creates nothing new', async () => {
    expect.hasAssertions();
    const env = { ...GITHUB, PATH: pathWithTrivy(), HOME: process.env.HOME, VULNGATE_DEFECTDOJO_TOKEN: TOKEN };
    const scan = async (dir: string) => {
      await writeFixtureImages(dir, ['debian-app', 'node-app']);
      return cliInProcess(
        [
          'scan',
          '--images',
          `${dir}/*.tar`,
          '--cache-dir',
          freshTrivyCache(),
          '--offline',
          '--output-dir',
          tmp(),
          '--profiles-dir',
          tmp(),
          ...ddFlags(),
        ],
        { env },
      );
    };
    const first = await scan(path.join(tmp(), 'tar_images'));
    expect(first.code).toBe(1);
    expect(dojo.requests.map((r) => [r.path, r.status])).toEqual([
      ['/api/v2/reimport-scan/', 201],
      ['/api/v2/reimport-scan/', 201],
    ]);
    const debian = dojo.requests[0]!;
    expect(debian.fields).toEqual({
      scan_type: ['Trivy Scan'],
      auto_create_context: ['true'],
      product_type_name: ['acme'],
      product_name: ['acme/shop'],
      engagement_name: ['main'],
      test_title: ['vulngate-fixtures/debian-app'],
      service: ['vulngate-fixtures/debian-app'],
      version: ['1.0'],
      source_code_management_uri: ['https://github.com/acme/shop'],
      close_old_findings: ['true'],
      active: ['true'],
      verified: ['false'],
      scan_date: [expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)],
      commit_hash: ['c'.repeat(40)],
      branch_tag: ['main'],
      build_id: ['https://github.com/acme/shop/actions/runs/77'],
      tags: ['ci', 'containers'],
    });
    const uploaded = JSON.parse(debian.fileText!);
    expect(uploaded.ArtifactName).toBe('vulngate-fixtures/debian-app:1.0');
    expect(uploaded.Results[0].Target).toBe('vulngate-fixtures/debian-app:1.0 (debian 12.11)');
    expect(dojo.tests.map((t) => [t.title, t.service, t.open.size])).toEqual([
      ['vulngate-fixtures/debian-app', 'vulngate-fixtures/debian-app', 8],
      ['vulngate-fixtures/node-app', 'vulngate-fixtures/node-app', 7],
    ]);
    expect([...dojo.tests[0]!.open]).toContain('CVE-2025-9230 openssl 3.0.19-1~deb12u2');
    const firstTitles = dojo.tests.map((t) => [...t.open].sort());

    const second = await scan(path.join(tmp(), 'elsewhere', 'images'));
    expect(second.code).toBe(1);
    expect(dojo.tests).toHaveLength(2);
    expect(dojo.tests.map((t) => [...t.open].sort())).toEqual(firstTitles);
    expect(dojo.tests.every((t) => t.imports === 2 && t.closed.size === 0)).toBe(true);
    expect(dojo.requests.slice(2).every((r) => r.fields.test_title && r.status === 201)).toBe(true);
    for (const run of [first, second]) expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  test('three images of one repository by tag stay three tests, alone or together, on the next push too (DefectDojo 3.2 reimport: engagement + test_title + scan type)', async () => {
    const env = { ...GITHUB, VULNGATE_DEFECTDOJO_TOKEN: TOKEN };
    // The seed names reports after the tarballs: alpine-39.json, debian-stretch.json, fluentd-gems.json.
    const names = ['alpine-39', 'debian-stretch', 'fluentd-gems'];
    const copy = (dir: string, name: string, tag?: string) => {
      const file = path.join(dir, `${name}.json`);
      const report = JSON.parse(readFileSync(reportPath(name), 'utf8')) as { Metadata: { RepoTags?: string[] } };
      if (tag) report.Metadata.RepoTags = [`ghcr.io/aquasecurity/trivy-test-images:${tag}`];
      writeFileSync(file, JSON.stringify(report));
      return file;
    };
    const evaluateWith = (reports: string[]) =>
      cliInProcess(
        [
          'evaluate',
          ...reports.flatMap((r) => ['--report', r]),
          '--output-dir',
          tmp(),
          '--profiles-dir',
          tmp(),
          ...ddFlags(),
        ],
        { env },
      );
    const dir = tmp();
    const all = names.map((n) => copy(dir, n));
    await evaluateWith(all);
    const titles = dojo.tests.map((t) => t.title);
    expect(titles).toEqual(names.map((n) => `ghcr.io/aquasecurity/trivy-test-images#${n}`));
    const open = dojo.tests.map((t) => [...t.open].sort());
    expect(open.every((list) => list.length > 0)).toBe(true);
    // Each test holds its own image's findings: none of alpine's in debian's.
    expect(open[0]!.filter((t) => open[1]!.includes(t))).toEqual([]);

    // The same run again, alpine alone, and alpine's next push (a new tag, its report moved): the same three tests,
    // nothing closed or reopened.
    await evaluateWith(all);
    await evaluateWith([all[0]!]);
    await evaluateWith([copy(tmp(), 'alpine-39', '3f2a1c9')]);
    expect(dojo.tests.map((t) => t.title)).toEqual(titles);
    expect(dojo.tests.map((t) => [...t.open].sort())).toEqual(open);
    expect(dojo.tests.map((t) => t.closed.size)).toEqual([0, 0, 0]);
    expect(dojo.tests.map((t) => t.imports)).toEqual([4, 2, 2]);
    // The tag goes where DefectDojo keeps a version.
    expect(dojo.requests.at(-1)!.fields.version).toEqual(['3f2a1c9']);
  });

  test('code directories: one reimport per scanned root, titled by its path, without an image tag as version', async () => {
    const ws = tmp();
    cpSync(path.join(ROOT, 'test/fixtures/code/monorepo'), ws, { recursive: true });
    const env = { ...GITHUB, PATH: pathWithTrivy(), HOME: process.env.HOME, VULNGATE_DEFECTDOJO_TOKEN: TOKEN };
    const previous = process.cwd();
    process.chdir(ws);
    let run;
    try {
      run = await cliInProcess(
        [
          'scan',
          '--fs',
          'services/api',
          '--fs',
          'services/worker',
          '--cache-dir',
          freshTrivyCache(),
          '--offline',
          '--output-dir',
          tmp(),
          '--profiles-dir',
          tmp(),
          ...ddFlags(),
        ],
        { env },
      );
    } finally {
      process.chdir(previous);
    }
    expect(run.code).toBe(1);
    expect(
      dojo.requests.map((r) => [r.fields.test_title?.[0], r.fields.service?.[0], r.fields.version, r.status]),
    ).toEqual([
      ['services/api', 'services/api', undefined, 201],
      ['services/worker', 'services/worker', undefined, 201],
    ]);
    const uploaded = JSON.parse(dojo.requests[0]!.fileText!);
    expect(uploaded.ArtifactName).toBe('services/api');
    expect(uploaded.ArtifactType).toBe('filesystem');
    expect(dojo.tests.map((t) => [t.title, [...t.open].sort()])).toEqual([
      ['services/api', ['CVE-2021-23337 lodash 4.17.20', 'CVE-2021-44906 minimist 1.2.5']],
      ['services/worker', ['CVE-2021-23337 lodash 4.17.20']],
    ]);
  });
});

describe('fields and defaults', () => {
  test('close_old_findings defaults to false off the default branch; names fall back to the repository and branch', async () => {
    const env = {
      ...GITHUB,
      GITHUB_REF: 'refs/heads/feature/x',
      GITHUB_REF_NAME: 'feature/x',
      VULNGATE_DEFECTDOJO_TOKEN: TOKEN,
      PATH: process.env.PATH,
    };
    const run = await cliInProcess(
      [
        'evaluate',
        '--report',
        reportPath('alpine-39'),
        '--output-dir',
        tmp(),
        '--profiles-dir',
        tmp(),
        ...ddFlags(['--defectdojo-minimum-severity', 'medium', '--defectdojo-version', '1.4.2']),
      ],
      { env },
    );
    expect(run.code).toBe(1);
    expect(dojo.requests[0]!.fields).toMatchObject({
      close_old_findings: ['false'],
      engagement_name: ['feature/x'],
      minimum_severity: ['Medium'],
      version: ['1.4.2'],
    });
  });

  test('GitLab variables name the product and engagement', async () => {
    const env = {
      GITLAB_CI: 'true',
      CI_PROJECT_PATH: 'payments/api',
      CI_PROJECT_NAMESPACE: 'payments',
      CI_PROJECT_NAME: 'api',
      CI_COMMIT_REF_NAME: 'main',
      CI_DEFAULT_BRANCH: 'main',
      CI_COMMIT_SHA: 'd'.repeat(40),
      CI_PIPELINE_URL: 'https://gitlab.example.com/payments/api/-/pipelines/5',
      VULNGATE_DEFECTDOJO_TOKEN: TOKEN,
      PATH: process.env.PATH,
    };
    await cliInProcess(
      ['evaluate', '--report', reportPath('alpine-39'), '--output-dir', tmp(), '--profiles-dir', tmp(), ...ddFlags()],
      { env },
    );
    expect(dojo.requests[0]!.fields).toMatchObject({
      product_type_name: ['payments'],
      product_name: ['payments/api'],
      engagement_name: ['main'],
      close_old_findings: ['true'],
      build_id: ['https://gitlab.example.com/payments/api/-/pipelines/5'],
    });
  });

  test.each([
    ['registry.example.com:5000/shop/api:1.4', 'registry.example.com:5000/shop/api'],
    ['shop/api@sha256:abcd', 'shop/api'],
    ['api', 'api'],
  ])('service of %s is %s', (image, service) => expect(imageWithoutTag(image)).toBe(service));

  test('the report names the image, not the tarball path', () => {
    const text = stableReport(
      JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: '/builds/x/tar_images/api.tar',
        Results: [{ Target: '/builds/x/tar_images/api.tar (alpine 3.19.1)' }, { Target: 'Node.js' }],
      }),
      'shop/api:1',
    );
    expect(JSON.parse(text)).toEqual({
      SchemaVersion: 2,
      ArtifactName: 'shop/api:1',
      Results: [{ Target: 'shop/api:1 (alpine 3.19.1)' }, { Target: 'Node.js' }],
    });
  });
});

describe("DefectDojo's errors, one clear line each", () => {
  const forward = (outcome: ReturnType<typeof outcomeFor>, token = TOKEN, timeoutMs = 5000) => {
    const logger = recordingLogger();
    const done = deliver({
      ...outcome,
      options: {
        defectDojo: {
          url: dojo.url,
          token,
          productType: 'acme',
          product: 'acme/shop',
          engagement: 'main',
          closeOldFindings: false,
          tags: [],
        },
        failure: 'warn',
      },
      ci: readCiContext({}),
      outputDir: outcome.outputDir,
      context: { logger, env: {}, now: new Date('2026-11-23T10:00:00Z'), retry: FAST, timeoutMs },
    });
    return { logger, done };
  };
  const sharedOutcome = () => {
    const image = loadShared('alpine-39');
    return outcomeFor([image], [readFileSync(reportPath('alpine-39'), 'utf8')]);
  };

  test('a bad token: 403 {"detail": …}', async () => {
    const { logger, done } = forward(sharedOutcome(), 'wrong');
    await done;
    expect(logger.at('warning')[0]).toBe(
      "DefectDojo: DefectDojo refused the token (403): Invalid token.; check defectdojo-token and the user's permissions (import scan results) (ghcr.io/aquasecurity/trivy-test-images:alpine-39)",
    );
  });

  test.each([
    [
      {
        status: 400,
        body: '{"minimum_severity": ["\\"Severe\\" is not a valid choice."], "scan_date": ["Date has wrong format."]}',
      },
      'DefectDojo rejected the import (400): minimum_severity: "Severe" is not a valid choice.; scan_date: Date has wrong format.',
    ],
    [
      { status: 400, body: "[\"Product 'acme/shop' doesn't exist\"]" },
      "DefectDojo rejected the import (400): Product 'acme/shop' doesn't exist",
    ],
    [
      { status: 404, body: '{"detail": "Not found."}' },
      'DefectDojo has no /api/v2/reimport-scan/ here (404); check defectdojo-url',
    ],
    [
      { status: 413, body: '<html><title>413 Request Entity Too Large</title></html>' },
      'DefectDojo refused the report as too large (413); raise its upload limit or set defectdojo-minimum-severity',
    ],
  ])('%j', async (answer, line) => {
    dojo.script(answer);
    const { logger, done } = forward(sharedOutcome());
    const result = await done;
    expect(logger.at('warning')[0]).toBe(`DefectDojo: ${line} (ghcr.io/aquasecurity/trivy-test-images:alpine-39)`);
    expect(failedSinks(result)).toBe(true);
    expect(dojo.requests).toHaveLength(1);
  });

  test('a real 413 from the size limit', async () => {
    dojo.maxUploadBytes = 1000;
    const { logger, done } = forward(sharedOutcome());
    await done;
    expect(logger.at('warning')[0]).toContain('DefectDojo refused the report as too large (413)');
  });

  test('5xx and timeouts are retried with backoff, then it succeeds', async () => {
    dojo.script({ status: 502, body: '<html>Bad Gateway</html>' }, 'hang');
    const { logger, done } = forward(sharedOutcome(), TOKEN, 300);
    const result = await done;
    expect(failedSinks(result)).toBe(false);
    expect(dojo.requests.map((r) => r.status)).toEqual([502, 0, 201]);
    expect(logger.at('info')).toContain(
      'DefectDojo: imported ghcr.io/aquasecurity/trivy-test-images:alpine-39 into acme/shop / main',
    );
  });

  test('still failing after retries: kept in out/undelivered without the token; `vulngate forward` sends it later', async () => {
    dojo.script({ status: 503, body: '' }, { status: 503, body: '' }, { status: 503, body: '' });
    const outcome = sharedOutcome();
    const { done } = forward(outcome);
    const result = await done;
    expect(failedSinks(result)).toBe(true);
    const dir = path.join(outcome.outputDir, 'undelivered');
    const files = readdirSync(dir);
    const stored = readFileSync(
      path.join(
        dir,
        files.find((f) => f.endsWith('.json'))!,
      ),
      'utf8',
    );
    expect(stored).not.toContain(TOKEN);
    // What to send, never where: the replaying job's settings name DefectDojo.
    expect(stored).not.toContain(dojo.url);
    expect(JSON.parse(stored)).toMatchObject({
      sink: 'defectdojo',
      settings: { engagement: 'main' },
      uploads: [{ image: 'ghcr.io/aquasecurity/trivy-test-images:alpine-39' }],
    });
    // Nor the product: the replaying job's (default its repository), like where and with what.
    expect(JSON.parse(stored).settings).not.toHaveProperty('product');

    const withoutToken = await cliInProcess(['forward', '--from', outcome.outputDir], { env: {} });
    expect(withoutToken.code).toBe(4);
    expect(withoutToken.stderr).toMatch(/a DefectDojo token is needed to send it \(VULNGATE_DEFECTDOJO_TOKEN\)/);

    const replay = await cliInProcess(['forward', '--from', outcome.outputDir], {
      env: {
        VULNGATE_DEFECTDOJO_TOKEN: TOKEN,
        VULNGATE_DEFECTDOJO_URL: dojo.url,
        VULNGATE_DEFECTDOJO_ALLOW_HTTP: 'true',
        GITHUB_REPOSITORY: 'acme/shop',
      },
    });
    expect(replay.code).toBe(0);
    expect(dojo.tests).toHaveLength(1);
    expect(dojo.tests[0]!.open.size).toBe(6);
    expect(
      existsSync(
        path.join(
          dir,
          files.find((f) => f.endsWith('.json'))!,
        ),
      ),
    ).toBe(false);
  });
});

describe('configuration', () => {
  test.each([
    [
      ['--defectdojo-url', 'http://dojo.example.com'],
      "vulngate: --defectdojo-url: 'http://dojo.example.com' must use https:",
    ],
    [
      ['--defectdojo-url', 'https://dojo.example.com'],
      'vulngate: --defectdojo-token: required with --defectdojo-url (an API v2 key of a user that may import scans)',
    ],
    [
      ['--defectdojo-url', 'https://dojo.example.com', '--defectdojo-token', 'x'],
      'vulngate: --defectdojo-product-type: required outside CI (there is no repository or branch to default to)',
    ],
    [
      [
        '--defectdojo-url',
        'https://dojo.example.com',
        '--defectdojo-token',
        'x',
        '--defectdojo-product-type',
        'a',
        '--defectdojo-product',
        'b',
        '--defectdojo-engagement',
        'c',
        '--defectdojo-minimum-severity',
        'severe',
      ],
      "vulngate: --defectdojo-minimum-severity: 'severe' is not allowed; allowed: Info, Low, Medium, High, Critical",
    ],
  ])('%j', async (flags, message) => {
    const run = await cliInProcess(['evaluate', '--report', reportPath('alpine-39'), '--output-dir', tmp(), ...flags], {
      env: {},
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(message);
    expect(dojo.requests).toHaveLength(0);
  });

  test('describeDefectDojoError keeps non-JSON bodies short', () => {
    expect(describeDefectDojoError(502, `<html>${'x'.repeat(1000)}</html>`).length).toBeLessThan(340);
  });
});

test('nothing lost (bundled action, Node 24): SQS delivers, DefectDojo is down, the undelivered import is in the artifact, the verdict stands', async () => {
  const { startSqsLab } = await import('../../../test/support/sqs-proxy.ts');
  const { startArtifactFake, zipEntries } = await import('../../../test/support/artifact-server.ts');
  const { runDistAction } = await import('../../../test/support/action.ts');
  const lab = await startSqsLab();
  const artifacts = await startArtifactFake();
  try {
    const queue = await lab.createQueue('findings');
    dojo.script(...Array.from({ length: 8 }, () => ({ status: 503, body: '<html>Service Unavailable</html>' })));
    const result = await runDistAction(
      {
        reports: reportPath('alpine-39'),
        'output-dir': tmp(),
        'profiles-dir': tmp(),
        'upload-sarif': 'false',
        'sqs-queue-url': queue,
        'defectdojo-url': dojo.url,
        'defectdojo-allow-http': 'true',
        'defectdojo-token': TOKEN,
      },
      {
        ...GITHUB,
        AWS_ACCESS_KEY_ID: 'AKIDTEST',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_REGION: 'eu-west-1',
        ACTIONS_RESULTS_URL: artifacts.resultsUrl,
        ACTIONS_RUNTIME_TOKEN: artifacts.runtimeToken,
        GITHUB_JOB: 'scan',
      },
    );
    expect(result.code).toBe(1);
    expect(result.outputs.verdict).toBe('fail');
    expect(await lab.drain('findings')).toHaveLength(7);
    expect(result.stdout).toMatch(
      /::warning::DefectDojo: 1 import\(s\) not delivered; kept in .*undelivered\/defectdojo-.*\.json — send them again with: vulngate forward --from /,
    );
    expect(result.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(result.stdout.replace(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
    const entries = zipEntries(artifacts.artifacts[0]!.zip);
    expect(entries.filter((e) => e.startsWith('undelivered/'))).toEqual([
      expect.stringMatching(/^undelivered\/defectdojo-[^/]*\.json$/),
      expect.stringMatching(/^undelivered\/defectdojo-.*\/001\.json$/),
    ]);
  } finally {
    await lab.close();
    await artifacts.close();
  }
}, 120_000);
