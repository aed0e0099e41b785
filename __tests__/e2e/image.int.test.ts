import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { gitlabProject } from '../../test/support/gitlab.ts';
import {
  artifactPaths,
  expand,
  ownerUid,
  prepareProjectDir,
  runTemplateJob,
  templateJob,
} from '../../test/support/gitlab-docker.ts';
import {
  BuildahStore,
  buildImageArchive,
  layerFiles,
  readOciArchive,
  type OciImage,
} from '../../test/support/image.ts';
import { ROOT } from '../../test/support/paths.ts';
import { realTrivy } from '../../test/support/trivy.ts';

const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const schema = JSON.parse(
  readFileSync(path.join(ROOT, 'test/fixtures/schemas/gitlab-container-scanning-report-15.0.7.json'), 'utf8'),
);

/** The version in the tag of a Dockerfile base's default (ARG NAME=repo:VERSION-…@sha256:…). */
function pinnedVersion(arg: string): string {
  const match = new RegExp(`^ARG ${arg}=[^:]+:(\\d[\\d.]*\\d)[^@]*@sha256:[0-9a-f]{64}$`, 'm').exec(DOCKERFILE);
  if (!match) throw new Error(`the Dockerfile has no pinned ${arg}`);
  return match[1]!;
}

/** Layers Docker makes for the last stage: one per RUN, COPY or ADD, on top of the base's. */
function filesystemInstructionsOfLastStage(): number {
  const lastStage = DOCKERFILE.slice(DOCKERFILE.lastIndexOf('\nFROM '));
  return (lastStage.match(/^(RUN|COPY|ADD) /gm) ?? []).length;
}

const env = (image: OciImage) => Object.fromEntries((image.config.config.Env ?? []).map((e) => e.split(/=(.*)/s)));
const BAKED_CACHE = '/home/vulngate/.cache/vulngate/trivy';

describe('the GitLab image, built from the Dockerfile by `npm run image` (buildah, bases assembled from packages)', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'vg-image-'));
  const store = new BuildahStore();
  let plain: { archive: string; id: string; oci: OciImage };
  let baked: { archive: string; id: string; oci: OciImage };

  // The fixture DB as it is now: the shared cache's copy is rebuilt by other checkouts' test runs.
  const fixtureCache = path.join(work, 'fixture-cache');
  cpSync(path.join(realTrivy().cache, 'db'), path.join(fixtureCache, 'db'), { recursive: true });
  const fixtureDb = () => path.join(fixtureCache, 'db');

  beforeAll(async () => {
    // Cold, this builds both variants (minutes); warm, scripts/image.sh hands out the cached archives.
    const plainArchive = await buildImageArchive(work);
    const bakedArchive = await buildImageArchive(work, { bakeDbFrom: fixtureCache });
    plain = { archive: plainArchive, id: await store.pull(plainArchive), oci: readOciArchive(plainArchive) };
    baked = { archive: bakedArchive, id: await store.pull(bakedArchive), oci: readOciArchive(bakedArchive) };
  }, 30 * 60_000);

  afterAll(() => store.remove());

  test('its config, read from the OCI archive with tar: non-root, empty entrypoint, OCI labels, a layer per instruction', () => {
    for (const { oci } of [plain, baked]) {
      const { config } = oci.config;
      expect(config.User).toBe('10001:10001');
      expect(config.Entrypoint ?? []).toEqual([]);
      expect(config.Cmd).toEqual(['vulngate', '--help']);
      expect(config.WorkingDir).toBe('/home/vulngate');
      expect(config.Labels).toMatchObject({
        'org.opencontainers.image.source': 'https://github.com/vulngate/vulngate',
        'org.opencontainers.image.version': VERSION,
      });
      expect(env(oci).VULNGATE_CACHE_DIR).toBe(BAKED_CACHE);
      // The local Debian base is one layer; the last stage adds one per RUN/COPY, as Docker builds it.
      expect(oci.manifest.layers).toHaveLength(1 + filesystemInstructionsOfLastStage());
      expect(oci.config.rootfs.diff_ids).toHaveLength(oci.manifest.layers.length);
    }
    expect(env(plain.oci).VULNGATE_OFFLINE).toBe('false');
    expect(env(baked.oci).VULNGATE_OFFLINE).toBe('true');
  });

  test("BAKE_DB=true puts the DB given as the trivy-db build context into the image, owned by the image's user", () => {
    const [copied, marked] = baked.oci.manifest.layers.slice(-2).map((l) => layerFiles(baked.archive, l.digest));
    const db = `${BAKED_CACHE.slice(1)}/db`;
    expect([...copied!.keys()].filter((f) => f.startsWith(`${db}/`)).sort()).toEqual([
      `${db}/metadata.json`,
      `${db}/trivy.db`,
    ]);
    expect(copied!.get(`${db}/trivy.db`)!.content!.equals(readFileSync(path.join(fixtureDb(), 'trivy.db')))).toBe(true);
    expect(copied!.get(`${db}/trivy.db`)!.uid).toBe(10001);
    expect(marked!.has(`${BAKED_CACHE.slice(1)}/.baked`)).toBe(true);
    // Without BAKE_DB the same two instructions leave the cache dir empty.
    const [plainCopied, plainMarked] = plain.oci.manifest.layers
      .slice(-2)
      .map((l) => layerFiles(plain.archive, l.digest));
    expect(
      [...plainCopied!.keys(), ...plainMarked!.keys()].filter((f) => f.startsWith(`${BAKED_CACHE.slice(1)}/`)),
    ).toEqual([]);
  });

  test('trivy, vulngate, node and git run in it, as uid 10001, at the versions the Dockerfile pins', async () => {
    const run = await store.run(plain.id, {
      command: ['sh', '-c', 'id -u; trivy --version; vulngate --version; node --version; git --version; echo "$HOME"'],
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('10001');
    expect(run.stdout).toContain(`Version: ${pinnedVersion('TRIVY_IMAGE')}\n`);
    expect(lines).toContain(VERSION);
    expect(lines).toContain(`v${pinnedVersion('NODE_IMAGE')}`);
    expect(run.stdout).toMatch(/^git version 2\.\d+/m);
    expect(lines.at(-1)).toBe('/home/vulngate');
  });

  test("the template's job in it, as the docker executor runs it: a blocking finding fails it, reports and artifacts as declared", async () => {
    const dir = await gitlabProject({ images: ['debian-app', 'clean'] });
    const cacheDir = expand(templateJob().cache.paths[0]!, templateJob().variables);
    // The DB a previous pipeline left in GitLab's cache, restored before the job; offline, as a CI/CD variable.
    prepareProjectDir(dir, { restoredCache: { from: fixtureDb(), to: path.join(cacheDir, 'db') } });
    const job = await runTemplateJob(store, plain.id, dir, { VULNGATE_OFFLINE: 'true' });
    expect(job.stdout).toMatch(/vulngate: FAIL — 2 blocking findings in 1 of 2 images/);
    expect(job.code).toBe(1);

    const [outputDir] = artifactPaths(dir, job.variables);
    expect(readdirSync(outputDir!).sort()).toEqual([
      'gl-container-scanning-report.json',
      'reports',
      'sbom',
      'summary.md',
      'vulngate-results.json',
      'vulngate.openvex.json',
      'vulngate.sarif',
    ]);
    const reports = templateJob().artifacts.reports;
    const containerReport = path.join(dir, expand(reports.container_scanning!, job.variables));
    const report = JSON.parse(readFileSync(containerReport, 'utf8'));
    expect(new Ajv({ strict: false }).compile(schema)(report)).toBe(true);
    expect(report.vulnerabilities).toHaveLength(8);
    // Written only with VULNGATE_FS or VULNGATE_SBOM: GitLab skips a declared report that is not there.
    expect(existsSync(path.join(dir, expand(reports.dependency_scanning!, job.variables)))).toBe(false);

    const results = JSON.parse(readFileSync(path.join(outputDir!, 'vulngate-results.json'), 'utf8'));
    expect(results.verdict).toBe('fail');
    expect(results.run).toEqual({
      repository: 'acme/shop',
      ref: 'main',
      commit: job.variables.CI_COMMIT_SHA,
      url: job.variables.CI_PIPELINE_URL,
    });
    expect(results.tool).toMatchObject({ version: VERSION, trivyVersion: pinnedVersion('TRIVY_IMAGE') });
    // Written by the image's user, not root; the layer cache and the kept Trivy version are left for GitLab's cache.
    expect(ownerUid(containerReport)).toBe(10001);
    expect(readdirSync(path.join(dir, cacheDir)).sort()).toEqual(['db', 'fanal', 'vulngate-trivy-versions']);
  });

  test('BAKE_DB=true: the baked DB seeds the cache in before_script, and the scan runs with it without a network', async () => {
    const profiles = {
      'default.yml':
        'exceptions:\n  - id: CVE-2025-9230\n    note: fixed with the next base image\n    until: 2099-01-01\n',
    };
    const dir = await gitlabProject({ images: ['debian-app'], profiles });
    prepareProjectDir(dir);
    const job = await runTemplateJob(store, baked.id, dir);
    expect(job.stderr + job.stdout).not.toMatch(/error|warn/i);
    expect(job.code).toBe(0);
    const cacheDir = path.join(dir, expand(templateJob().cache.paths[0]!, job.variables));
    expect(
      readFileSync(path.join(cacheDir, 'db/trivy.db')).equals(readFileSync(path.join(fixtureDb(), 'trivy.db'))),
    ).toBe(true);
    const [outputDir] = artifactPaths(dir, job.variables);
    const results = JSON.parse(readFileSync(path.join(outputDir!, 'vulngate-results.json'), 'utf8'));
    expect(results.verdict).toBe('pass');
    expect(results.exceptions.unused).toEqual([]);
    expect(results.findings.map((f: { id: string }) => f.id)).toContain('CVE-2025-9230');

    // The same job in the image without the DB has nothing to scan with, and no network to fetch it: it fails.
    const bare = await gitlabProject({ images: ['debian-app'], profiles });
    prepareProjectDir(bare);
    // With the runner's new eval strategy the job ends with vulngate's own code: 3, the scanner failed.
    const without = await runTemplateJob(store, plain.id, bare, { FF_USE_NEW_BASH_EVAL_STRATEGY: 'true' });
    expect(without.stderr).toMatch(/could not download the Trivy vulnerability DB/);
    expect(without.code).toBe(3);
    expect(existsSync(path.join(bare, expand(templateJob().cache.paths[0]!, job.variables), 'db/trivy.db'))).toBe(
      false,
    );
  });
});
