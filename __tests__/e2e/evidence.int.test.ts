// Evidence an auditor can tie to what shipped, on the real Trivy and real tarballs: digests, the DB that judged,
// a CycloneDX SBOM per image from the same scan, VEX in (kept, not silently gone) and VEX out.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import tar from 'tar-stream';
import { FIXTURE_IMAGES, writeFixtureImages } from '../../test/support/fixture-images.ts';
import { writeImage } from '../../test/support/image-tarball.ts';
import { cliInProcess, summaryOf } from '../../test/support/cli.ts';
import { freshTrivyCache, pathWithTrivy, realTrivy } from '../../test/support/trivy.ts';
import { ROOT } from '../../test/support/paths.ts';

interface Results {
  verdict: string;
  tool: { trivyDb?: { schemaVersion: number; updatedAt: string; nextUpdate: string }; javaDb?: unknown };
  images: {
    name: string;
    imageId?: string;
    manifestDigest?: string;
    repoDigests?: string[];
    diffIds?: string[];
    tarballSha256?: string;
    layersVerified?: { hashed: number; known: number };
    sbom?: string;
    report: string;
    counts: Record<string, number>;
  }[];
  findings: { id: string; package: string; decision: string; reason: string; purl: string }[];
}

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-ev-'));
const env = () => ({ PATH: pathWithTrivy(), HOME: process.env.HOME });
const read = <T = Results>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;
const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function scan(images: string, out: string, extra: string[] = [], cache = freshTrivyCache()) {
  return cliInProcess(
    [
      'scan',
      '--images',
      images,
      '--cache-dir',
      cache,
      '--offline',
      '--output-dir',
      out,
      '--profiles-dir',
      tmp(),
      ...extra,
    ],
    { env: env() },
  );
}

/** Every file of a tar, read with tar-stream: independent of vulngate's own header reader. */
async function tarFiles(file: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      files.set(header.name.replace(/^\.\//, ''), Buffer.concat(chunks));
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    Readable.from([readFileSync(file)]).pipe(extract);
  });
  return files;
}

describe('digests and data', () => {
  test('the recorded digests are the tarball’s config, manifest and bytes; the DB that judged is named', async () => {
    expect.hasAssertions();
    const dir = tmp();
    await writeFixtureImages(dir, ['debian-app']);
    await writeImage(path.join(dir, 'alpine-oci.tar'), FIXTURE_IMAGES['alpine-base']!, 'oci');
    const out = tmp();
    const cache = freshTrivyCache();
    const run = await scan(`${dir}/*.tar`, out, ['--tarball-sha256', 'true'], cache);
    expect(run.code).toBe(1);
    const results = read(path.join(out, 'vulngate-results.json'));
    // The next run with the same layer cache: every layer was checked, none is read again; no tarball hash asked.
    const againOut = tmp();
    expect((await scan(`${dir}/*.tar`, againOut, [], cache)).code).toBe(1);
    const again = read(path.join(againOut, 'vulngate-results.json'));
    for (const [tarball, name] of [
      ['debian-app.tar', 'vulngate-fixtures/debian-app:1.0'],
      ['alpine-oci.tar', 'vulngate-fixtures/alpine-base:3.19'],
    ] as const) {
      const image = results.images.find((i) => i.name === name)!;
      const files = await tarFiles(path.join(dir, tarball));
      const manifest = JSON.parse(files.get('manifest.json')!.toString()) as { Config: string; Layers: string[] }[];
      const config = files.get(manifest[0]!.Config)!;
      expect(image.imageId).toBe(sha256(config));
      expect(image.diffIds).toEqual(JSON.parse(config.toString()).rootfs.diff_ids);
      expect(image.tarballSha256).toBe(sha256(readFileSync(path.join(dir, tarball))));
      expect(image.layersVerified).toEqual({ hashed: image.diffIds!.length, known: 0 });
      const next = again.images.find((i) => i.name === name)!;
      expect([next.imageId, next.tarballSha256, next.layersVerified]).toEqual([
        image.imageId,
        undefined,
        { hashed: 0, known: image.diffIds!.length },
      ]);
      const index = files.get('index.json');
      if (index) expect(image.manifestDigest).toBe(JSON.parse(index.toString()).manifests[0].digest);
      else expect(image.manifestDigest).toBeUndefined();
      expect(image.repoDigests).toEqual([]);
    }
    expect(results.images.find((i) => i.name.includes('alpine'))?.manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const metadata = read<{ Version: number; UpdatedAt: string; NextUpdate: string }>(
      path.join(realTrivy().cache, 'db', 'metadata.json'),
    );
    expect(results.tool.trivyDb).toEqual({
      schemaVersion: metadata.Version,
      updatedAt: metadata.UpdatedAt,
      nextUpdate: metadata.NextUpdate,
    });
    expect(results.tool.javaDb).toBeUndefined();
  });

  test('a DB older than max-db-age: a warning, or with strict-db-age a scanner error before any scan', async () => {
    const cache = freshTrivyCache();
    const file = path.join(cache, 'db', 'metadata.json');
    const metadata = read<Record<string, unknown>>(file);
    writeFileSync(
      file,
      JSON.stringify({ ...metadata, UpdatedAt: new Date(Date.now() - 5 * 86_400_000).toISOString() }),
    );
    const dir = tmp();
    await writeFixtureImages(dir, ['clean']);
    const warnedOut = tmp();
    const warned = await scan(`${dir}/*.tar`, warnedOut, ['--max-db-age', '48'], cache);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(
      /warning: The vulnerability DB was updated 1(19|20) hours ago .*more than max-db-age 48/,
    );
    // Not only in the log: the summary and the audit record say it, where an auditor reads.
    const record = read<{ warnings: { code: string; message: string }[] }>(
      path.join(warnedOut, 'vulngate-results.json'),
    );
    // (Alpine 3.19, the clean image's base, is also past its end of life by now: a warning of its own.)
    expect(record.warnings).toContainEqual({
      code: 'stale-db',
      message: expect.stringMatching(/^The vulnerability DB was updated 1(19|20) hours ago/),
    });
    expect(readFileSync(path.join(warnedOut, 'summary.md'), 'utf8')).toMatch(
      /^⚠️ The vulnerability DB was updated 1(19|20) hours ago .*more than max-db-age 48/m,
    );
    const strict = await scan(`${dir}/*.tar`, tmp(), ['--max-db-age', '48', '--strict-db-age', 'true'], cache);
    expect(strict.code).toBe(3);
    expect(strict.stderr).toMatch(/^vulngate: The vulnerability DB was updated .* \(strict-db-age\)$/m);
    expect(strict.stderr).not.toContain('Scanned');
  });

  test('an archive whose layer is not what its config names is not judged; the others are', async () => {
    const dir = tmp();
    await writeFixtureImages(dir, ['debian-app', 'node-app']);
    // An image author's archive with one file changed in place: "lodash 4.17.20" now claims 4.17.21 (no finding),
    // while the config still names the layer's true diff ID.
    const bytes = readFileSync(path.join(dir, 'node-app.tar'));
    const at = bytes.indexOf('"version": "4.17.20"');
    expect(at).toBeGreaterThan(0);
    bytes.write('"version": "4.17.21"', at);
    writeFileSync(path.join(dir, 'node-app.tar'), bytes);
    const cache = freshTrivyCache();
    const out = tmp();
    const run = await scan(`${dir}/*.tar`, out, [], cache);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /node-app\.tar: not judged: layer 2 is not the layer its config names \(diff ID sha256:[0-9a-f]{64}, its bytes hash to sha256:[0-9a-f]{64}\)/,
    );
    const results = read<Results & { errors: { source: string }[] }>(path.join(out, 'vulngate-results.json'));
    expect(results.images.map((i) => i.name)).toEqual(['vulngate-fixtures/debian-app:1.0']);
    expect(results.findings.some((f) => f.package === 'lodash')).toBe(false);
    // The honest archive on the same cache: every layer is copied and checked from its own bytes (the tampered
    // archive never reached Trivy, so none of its layers is in Trivy's cache or kept as checked).
    await writeFixtureImages(dir, ['node-app']);
    const honestOut = tmp();
    expect((await scan(`${dir}/node-app.tar`, honestOut, [], cache)).code).toBe(1);
    const honest = read(path.join(honestOut, 'vulngate-results.json'));
    expect(honest.images[0]?.layersVerified).toEqual({ hashed: 3, known: 0 });
    expect(honest.findings.some((f) => f.package === 'lodash')).toBe(true);
  });
});

describe('SBOM per image and directory, from the same scan', () => {
  test('CycloneDX that lists the packages Trivy found and passes the official CycloneDX JSON schema', async () => {
    expect.hasAssertions();
    const dir = tmp();
    await writeFixtureImages(dir, ['debian-app', 'node-app']);
    const out = tmp();
    const run = await scan(`${dir}/*.tar`, out);
    expect(run.code).toBe(1);
    const results = read(path.join(out, 'vulngate-results.json'));
    // Named from the output directory, as the artifact holds them.
    expect(results.images.map((i) => i.sbom)).toEqual(['sbom/001-debian-app.cdx.json', 'sbom/002-node-app.cdx.json']);
    // One scan per image: the SBOM is converted from its report, never scanned again.
    expect(run.stderr.match(/^Scanned /gm)).toHaveLength(2);
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot7);
    for (const image of results.images) {
      const bom = read<{
        specVersion: string;
        components: { purl?: string }[];
        metadata: { component: { name: string } };
      }>(path.join(out, image.sbom!));
      expect(bom.specVersion).toBe('1.7');
      // Its subject is the image, not the tarball's path on the runner.
      expect(bom.metadata.component.name).toBe(image.name);
      expect(await validator.validate(JSON.stringify(bom))).toBeNull();
      const report = read<{ Results: { Packages?: { Identifier: { PURL: string } }[] }[] }>(
        path.join(out, image.report),
      );
      const listed = report.Results.flatMap((r) => r.Packages ?? []).map((p) => p.Identifier.PURL);
      expect(listed.length).toBeGreaterThan(0);
      const inBom = new Set(bom.components.map((c) => c.purl));
      expect(listed.filter((p) => !inBom.has(p))).toEqual([]);
    }
    // The validator does fail: a broken BOM is reported.
    expect(
      await validator.validate(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.7', components: 7 })),
    ).not.toBeNull();

    const none = tmp();
    await scan(`${dir}/debian-app.tar`, none, ['--write-sbom', 'false']);
    expect(existsSync(path.join(none, 'sbom'))).toBe(false);
  });
});

describe('SBOM built in the process, against trivy convert on the same report', () => {
  interface Bom {
    components: { 'bom-ref': string; type: string; name: string; version?: string; purl?: string }[];
    dependencies: { ref: string; dependsOn?: string[] }[];
    vulnerabilities?: { id: string; ratings?: { severity: string }[]; affects: { ref: string }[] }[];
  }
  /** What an SBOM says, with bom-refs (Trivy's are random UUIDs for the OS) replaced by what they name. */
  function meaning(bom: Bom) {
    const byRef = new Map(
      bom.components.map((c) => [c['bom-ref'], c.purl ?? `${c.type}:${c.name}@${c.version ?? ''}`]),
    );
    const named = (ref: string) => byRef.get(ref) ?? 'subject';
    return {
      components: bom.components.map((c) => `${c.type} ${c.purl ?? `${c.name}@${c.version ?? ''}`}`).sort(),
      dependencies: bom.dependencies
        .flatMap((d) => (d.dependsOn ?? []).map((to) => `${named(d.ref)} -> ${named(to)}`))
        .sort(),
      vulnerabilities: (bom.vulnerabilities ?? [])
        .map(
          (v) =>
            `${v.id} ${(v.ratings ?? []).map((r) => r.severity).join(',')} ${v.affects
              .map((a) => named(a.ref))
              .sort()
              .join(' ')}`,
        )
        .sort(),
    };
  }

  test('the same components, dependency graph and vulnerabilities as trivy convert, for images and a lockfile tree', async () => {
    const dir = tmp();
    await writeFixtureImages(dir, ['debian-app', 'node-app']);
    const out = tmp();
    const run = await cliInProcess(
      ['scan', '--images', `${dir}/*.tar`, '--fs', path.join(ROOT, 'test/fixtures/code/polyglot'), '--cache-dir',
        freshTrivyCache(), '--offline', '--output-dir', out, '--profiles-dir', tmp()], // prettier-ignore
      { env: env() },
    );
    expect(run.code).toBe(1);
    const results = read<{ images: { name: string; report: string; sbom?: string }[] }>(
      path.join(out, 'vulngate-results.json'),
    );
    expect(results.images).toHaveLength(3);
    for (const image of results.images) {
      const converted = path.join(tmp(), 'converted.cdx.json');
      const convert = spawnSync(realTrivy().bin, ['convert', '--format', 'cyclonedx', '--output', converted,
        path.join(out, image.report)], { encoding: 'utf8' }); // prettier-ignore
      expect(convert.status).toBe(0);
      const ours = meaning(read<Bom>(path.join(out, image.sbom!)));
      expect(ours.components.length).toBeGreaterThan(1);
      expect(ours).toEqual(meaning(read<Bom>(converted)));
    }
    // No process per SBOM: one Trivy scan per target, and no convert.
    expect(run.stderr.match(/^Scanned /gm)).toHaveLength(3);
  });
});

describe('VEX', () => {
  const openssl = 'pkg:deb/debian/openssl@3.0.19-1~deb12u2?arch=amd64&distro=debian-12.11';

  test('VEX in: the statement’s CVE on its product is decided vex, with the justification; the rest is judged', async () => {
    const dir = tmp();
    await writeFixtureImages(dir, ['debian-app']);
    const vexDir = tmp();
    writeFileSync(
      path.join(vexDir, 'openssl.openvex.json'),
      JSON.stringify({
        '@context': 'https://openvex.dev/ns/v0.2.0',
        '@id': 'https://example.com/vex/shop-2026-001',
        author: 'Shop security team',
        timestamp: '2026-11-30T09:00:00Z',
        version: 1,
        statements: [
          {
            vulnerability: { name: 'CVE-2025-9230' },
            products: [{ '@id': openssl }],
            status: 'not_affected',
            justification: 'vulnerable_code_not_in_execute_path',
          },
        ],
      }),
    );
    const out = tmp();
    const run = await scan(`${dir}/*.tar`, out, ['--vex', vexDir]);
    expect(run.code).toBe(1);
    const results = read(path.join(out, 'vulngate-results.json'));
    const rows = results.findings
      .filter((f) => f.id === 'CVE-2025-9230')
      .map((f) => `${f.package} ${f.decision}`)
      .sort();
    expect(rows).toEqual(['libssl3 blocking', 'openssl vex']);
    const vexed = results.findings.find((f) => f.decision === 'vex')!;
    expect(vexed.reason).toMatch(
      /^VEX says not affected: vulnerable_code_not_in_execute_path \(.*openssl\.openvex\.json\)$/,
    );
    expect(results.images[0]!.counts.vex).toBe(1);
    expect(summaryOf(run)).toContain('VEX: not affected');
  });

  test('a bad VEX file is one clear line naming it, exit 2, before anything is scanned', async () => {
    expect.hasAssertions();
    const dir = tmp();
    await writeFixtureImages(dir, ['clean']);
    const bad = path.join(tmp(), 'bad.json');
    writeFileSync(bad, '{"statements": []}');
    const notJson = path.join(tmp(), 'broken.json');
    writeFileSync(notJson, '{');
    for (const [file, message] of [
      [bad, `vex: '${bad}' is neither an OpenVEX document`],
      [notJson, `vex: '${notJson}' cannot be read (not JSON)`],
      ['/nonexistent/vex.json', `vex: '/nonexistent/vex.json' does not exist (ENOENT)`],
    ] as const) {
      const run = await scan(`${dir}/*.tar`, tmp(), ['--vex', file]);
      expect(run.code).toBe(2);
      expect(run.stderr.split('\n').filter((l) => l.startsWith('vulngate: '))).toEqual([
        expect.stringContaining(message),
      ]);
      expect(run.stderr).not.toContain('Scanned');
    }
  });

  test('VEX out: one statement per exception, products by image digest, read by go-vex and by Trivy', async () => {
    const dir = tmp();
    await writeFixtureImages(dir, ['debian-app']);
    const profile = path.join(tmp(), 'p.yml');
    writeFileSync(
      profile,
      `exceptions:
  - id: CVE-2025-9230
    vex_status: not_affected
    vex_justification: vulnerable_code_not_in_execute_path
    note: openssl is not used for RFC 3211 unwrap
  - id: CVE-2024-2398
    severity: MEDIUM
    note: curl's HTTP/2 push is off; the base image bump is scheduled
  - id: CVE-2099-0001
    note: matches nothing, so no statement
`,
    );
    const out = tmp();
    const run = await cliInProcess(
      [
        'scan',
        '--images',
        `${dir}/*.tar`,
        '--cache-dir',
        freshTrivyCache(),
        '--offline',
        '--output-dir',
        out,
        '--profile',
        profile,
        '--severity',
        'MEDIUM',
      ],
      { env: env() },
    );
    expect(run.code).toBe(0);
    const results = read(path.join(out, 'vulngate-results.json'));
    const image = results.images[0]!;
    const vexFile = path.join(out, 'vulngate.openvex.json');
    const doc = read<{
      statements: {
        vulnerability: { name: string };
        status: string;
        justification?: string;
        impact_statement?: string;
        action_statement?: string;
        products: { '@id': string; subcomponents: { '@id': string }[] }[];
      }[];
    }>(vexFile);
    const productId = `pkg:oci/debian-app@${encodeURIComponent(image.imageId!)}?repository_url=vulngate-fixtures/debian-app&tag=1.0`;
    expect(
      doc.statements.map((s) => `${s.vulnerability.name} ${s.status} ${s.products.map((p) => p['@id']).join(',')}`),
    ).toEqual([`CVE-2024-2398 affected ${productId}`, `CVE-2025-9230 not_affected ${productId}`]);
    // A risk accepted is `affected`, with the note as what is done about it; `not_affected` only when the exception
    // says so, with its justification.
    expect(doc.statements[0]!.action_statement).toBe("curl's HTTP/2 push is off; the base image bump is scheduled");
    expect(doc.statements[1]).toMatchObject({
      justification: 'vulnerable_code_not_in_execute_path',
      impact_statement: 'openssl is not used for RFC 3211 unwrap',
    });
    const purls = (name: string) =>
      results.findings
        .filter((f) => f.id === name)
        .map((f) => f.purl)
        .sort();
    expect(doc.statements[1]!.products[0]!.subcomponents.map((s) => s['@id'])).toEqual(purls('CVE-2025-9230'));

    // The OpenVEX project's own library reads and validates it (vexctl itself is not served by the Go proxy here).
    const check = spawnSync(process.env.VEXCHECK_BIN!, [vexFile], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout.trim().split('\n')).toHaveLength(2);
    // …and the validation can fail: not_affected without a reason is refused.
    const broken = path.join(tmp(), 'broken.openvex.json');
    const raw = read<Record<string, unknown> & { statements: Record<string, unknown>[] }>(vexFile);
    delete raw.statements[1]!.impact_statement;
    delete raw.statements[1]!.justification;
    writeFileSync(broken, JSON.stringify(raw));
    expect(spawnSync(process.env.VEXCHECK_BIN!, [broken], { encoding: 'utf8' }).stderr).toMatch(
      /either justification or impact statement must be defined/,
    );

    // Trivy reads it as VEX input too.
    const again = tmp();
    mkdirSync(path.join(again, 'vex'));
    cpSync(vexFile, path.join(again, 'vex', 'vulngate.openvex.json'));
    const rescan = await scan(`${dir}/*.tar`, tmp(), ['--vex', path.join(again, 'vex')]);
    expect(rescan.stderr).not.toMatch(/error/i);
    expect(rescan.code).toBe(1);
  });
});
