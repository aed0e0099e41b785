// The gate fails closed, exceptions match as people write them, the record tells the truth: each case as a user
// meets it, through the bundled CLI (dist/cli/index.js on Node 24) and the bundled action, on real tarballs and the
// real Trivy where a scan is involved.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runDistAction } from '../../test/support/action.ts';
import { cliFromDist } from '../../test/support/cli.ts';
import { writeFixtureImages } from '../../test/support/fixture-images.ts';
import { reportPath } from '../../test/support/paths.ts';
import { freshTrivyCache, pathWithTrivy } from '../../test/support/trivy.ts';

interface Record_ {
  verdict: string;
  findings: { id: string; package: string; decision: string; image: string; target: string }[];
  exceptions: { unused: { id: string; why?: string }[] };
  profile: { source: string; sha256?: string; files?: { file: string; sha256: string }[] };
}

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-closed-'));
const read = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'vulngate-results.json'), 'utf8')) as Record_;
const env = () => ({ PATH: pathWithTrivy(), HOME: process.env.HOME });

function profile(text: string, name = 'p.yml'): string {
  const file = path.join(tmp(), name);
  writeFileSync(file, text);
  return file;
}

let images: string;
beforeAll(async () => {
  images = tmp();
  await writeFixtureImages(images, ['debian-app', 'clean']);
}, 120_000);

describe('a missing target is never skipped', () => {
  test('one missing tarball among several: exit 2 naming it, nothing scanned or written', () => {
    const out = tmp();
    const run = cliFromDist(
      ['scan', '--images', `${images}/clean.tar`, '--images', `${images}/nope.tar`, '--output-dir', out],
      { env: env() },
    );
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n').at(-2)).toBe(
      `vulngate: images: no such file: '${images}/nope.tar' (expected image tarballs from docker save, or OCI layout directories)`,
    );
    expect(run.stdout).not.toContain('PASS');
    expect(existsSync(path.join(out, 'vulngate-results.json'))).toBe(false);
  });

  test('a newline list in VULNGATE_IMAGES and a comma list in --images are checked item by item', () => {
    const fromVariable = cliFromDist(['scan', '--output-dir', tmp()], {
      env: { ...env(), VULNGATE_IMAGES: `${images}/clean.tar\n${images}/missing.tar` },
    });
    expect(fromVariable.code).toBe(2);
    expect(fromVariable.stderr).toContain(`no such file: '${images}/missing.tar'`);
    // Split as the help says: otherwise the error would name 'clean.tar,gone.tar' as one file.
    const commas = cliFromDist(['scan', '--images', `${images}/clean.tar,${images}/gone.tar`, '--output-dir', tmp()], {
      env: env(),
    });
    expect(commas.code).toBe(2);
    expect(commas.stderr).toContain(`no such file: '${images}/gone.tar'`);
    // A glob with no match is named as a glob; braces keep their commas.
    const glob = cliFromDist(['scan', '--images', `${images}/{none,zero}*.tar`, '--output-dir', tmp()], { env: env() });
    expect(glob.stderr).toContain(`images: no file matches '${images}/{none,zero}*.tar'`);
  });

  test('--report globs like --images; a missing report is exit 2 like a missing tarball', () => {
    const reports = tmp();
    mkdirSync(path.join(reports, 'dir'));
    for (const name of ['alpine-39', 'debian-buster']) {
      writeFileSync(path.join(reports, 'dir', `${name}.json`), readFileSync(reportPath(name)));
    }
    const out = tmp();
    const run = cliFromDist([
      'evaluate',
      '--report',
      `${reports}/dir/*.json`,
      '--output-dir',
      out,
      '--profiles-dir',
      tmp(),
    ]);
    expect(run.code).toBe(1);
    expect(read(out).findings.map((f) => f.image)).toContain('ghcr.io/aquasecurity/trivy-test-images:debian-buster');
    const missing = cliFromDist(['evaluate', '--report', `${reports}/nowhere/*.json`, '--output-dir', tmp()]);
    expect(missing.code).toBe(2);
  });

  test('--offline alone is a switch, as Trivy users type it', () => {
    const run = cliFromDist(['scan', '--offline', '--images', `${images}/nope.tar`], { env: env() });
    expect(run.stderr).not.toContain('not a boolean');
    expect(run.stderr).toContain("images: no such file: '");
  });
});

describe('a profile named is that profile, or an error', () => {
  test('--profile strcit: exit 2 with a did-you-mean, not the looser default', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'default.yml'), 'severity: CRITICAL\n');
    writeFileSync(path.join(dir, 'strict.yml'), 'severity: LOW\n');
    const run = cliFromDist([
      'evaluate',
      '--report',
      reportPath('alpine-39'),
      '--profile',
      'strcit',
      '--profiles-dir',
      dir,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `vulngate: profile 'strcit': no strcit.yml or strcit.yaml in ${dir}/ (did you mean 'strict'?)\n`,
    );
  });

  test('the action: the same error fails the step with exit 2', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'strict.yml'), 'severity: LOW\n');
    const result = await runDistAction({
      reports: reportPath('alpine-39'),
      profile: 'strcit',
      'profiles-dir': dir,
      'output-dir': tmp(),
    });
    expect(result.code).toBe(2);
    expect(result.stdout.trim()).toBe(
      `::error::profile 'strcit': no strcit.yml or strcit.yaml in ${dir}/ (did you mean 'strict'?)`,
    );
  });

  test('the action: a missing tarball among several fails the step with exit 2', async () => {
    const result = await runDistAction(
      { images: `${images}/clean.tar\n${images}/nope.tar`, 'output-dir': tmp(), 'profiles-dir': tmp() },
      { PATH: pathWithTrivy() },
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(`::error::images: no such file: '${images}/nope.tar'`);
  });
});

describe('exceptions match as people write them', () => {
  test('images: the repository without a tag covers every tag (CI tags each build with its commit)', () => {
    const out = tmp();
    const run = cliFromDist([
      'evaluate',
      '--report',
      reportPath('alpine-39'),
      '--profile',
      profile(
        'ignore_unfixed: false\nexceptions:\n  - id: CVE-2019-14697\n' +
          '    images: ["ghcr.io/aquasecurity/trivy-test-images"]\n    note: musl fix rolls out next sprint\n',
      ),
      '--output-dir',
      out,
    ]);
    expect(run.code).toBe(0);
    expect(
      read(out)
        .findings.filter((f) => f.id === 'CVE-2019-14697')
        .map((f) => f.decision),
    ).toEqual(['excepted', 'excepted']);
  });

  test('package: the source package covers its binaries (openssl → libssl3), on a real scan', () => {
    const out = tmp();
    const run = cliFromDist(
      [
        'scan',
        '--images',
        `${images}/debian-app.tar`,
        '--cache-dir',
        freshTrivyCache(),
        '--offline',
        '--output-dir',
        out,
        '--profile',
        profile('exceptions:\n  - id: CVE-2025-9230\n    package: openssl\n    note: RFC 3211 unwrap unused\n'),
      ],
      { env: env() },
    );
    const rows = read(out)
      .findings.filter((f) => f.id === 'CVE-2025-9230')
      .map((f) => `${f.package} ${f.decision}`)
      .sort();
    expect(rows).toEqual(['libssl3 excepted', 'openssl excepted']);
    expect(run.code).toBe(0);
    // No runner path in the record: the OS target is named after the image.
    expect(read(out).findings.every((f) => !f.target.includes(images))).toBe(true);
  });

  test('an unused exception says which part did not match', () => {
    const out = tmp();
    cliFromDist([
      'evaluate',
      '--report',
      reportPath('alpine-39'),
      '--profile',
      profile(
        'ignore_unfixed: false\nexceptions:\n' +
          '  - {id: CVE-2019-14697, images: ["shop/*"], note: wrong image}\n' +
          '  - {id: CVE-2019-14697, severity: HIGH, note: capped too low}\n' +
          '  - {id: CVE-2019-14697, package: glibc, note: wrong package}\n' +
          '  - {id: CVE-2000-0001, note: nothing has it}\n',
      ),
      '--output-dir',
      out,
    ]);
    expect(read(out).exceptions.unused.map((e) => e.why)).toEqual([
      'the id matched 2 findings; `images` shop/* did not (the finding is in ghcr.io/aquasecurity/trivy-test-images:alpine-39)',
      'the id matched 2 findings; capped at HIGH, the finding is CRITICAL',
      'the id matched 2 findings; `package` glibc did not (the findings are in musl)',
      'no finding has the id CVE-2000-0001',
    ]);
    expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toContain('capped at HIGH, the finding is CRITICAL');
  });
});

describe('the record tells the truth', () => {
  test('a local profile is recorded with its sha256, and what it extends with theirs', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'base.yml'), 'severity: MEDIUM\n');
    writeFileSync(path.join(dir, 'api.yml'), 'extends: base\nignore_unfixed: false\n');
    const out = tmp();
    cliFromDist([
      'evaluate',
      '--report',
      reportPath('alpine-39'),
      '--profile',
      'api',
      '--profiles-dir',
      dir,
      '--output-dir',
      out,
    ]);
    const { profile: recorded } = read(out);
    expect(recorded.files).toEqual([
      { file: path.join(dir, 'api.yml'), sha256: sha256(path.join(dir, 'api.yml')) },
      { file: path.join(dir, 'base.yml'), sha256: sha256(path.join(dir, 'base.yml')) },
    ]);
    expect(recorded.sha256).toBe(sha256(path.join(dir, 'api.yml')));
  });

  test('an unknown VULNGATE_* variable is a warning with the closest name', () => {
    const run = cliFromDist(
      ['evaluate', '--report', reportPath('alpine-39'), '--output-dir', tmp(), '--profiles-dir', tmp()],
      {
        env: { VULNGATE_SEVERTY: 'CRITICAL' },
      },
    );
    expect(run.stderr).toContain(
      "warning: VULNGATE_SEVERTY is not a vulngate variable and is ignored (did you mean 'VULNGATE_SEVERITY'?)",
    );
  });
});

describe('vulngate profiles lint', () => {
  test('skips YAML that is not a profile, lists every problem of a file, --strict fails on expired exceptions', () => {
    const repo = tmp();
    writeFileSync(path.join(repo, 'docker-compose.yml'), 'services:\n  web:\n    image: nginx\n');
    writeFileSync(path.join(repo, 'old.yml'), 'exceptions:\n  - {id: CVE-1, note: x, until: 2020-01-01}\n');
    const clean = cliFromDist(['profiles', 'lint', repo]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain(`skipped (not a profile: no key of the format): `);
    expect(clean.stdout).toContain('docker-compose.yml');
    expect(cliFromDist(['profiles', 'lint', '--strict', repo]).code).toBe(1);

    writeFileSync(path.join(repo, 'bad.yml'), 'severity: SEVERE\nignore_unfixed: sometimes\n');
    const bad = cliFromDist(['profiles', 'lint', repo]);
    expect(bad.code).toBe(2);
    expect(bad.stdout.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(2);
  });
});

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
