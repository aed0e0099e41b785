// The Trivy DB through @actions/cache (cache service v2) on a local results service: the first job downloads it
// from the registry and saves it even though the gate fails; the next job restores it and never asks the registry.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import { run } from '../../src/action/main.js';
import { dbCacheKey, layerCachePrefix } from '../../src/action/caches.js';
import { actionEnvironment, parseOutputs, captureStdout } from '../../test/support/action.ts';
import { startArtifactFake, type ArtifactFake } from '../../test/support/artifact-server.ts';
import { writeFixtureImages } from '../../test/support/fixture-images.ts';
import { startDbRegistry, type RegistryFake } from '../../test/support/oci-registry.ts';
import { pathWithTrivy, realTrivy } from '../../test/support/trivy.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-dbcache-'));
let registry: RegistryFake;
let results: ArtifactFake;
const saved = { ...process.env };
const savedExitCode = process.exitCode;
let written: string[] = [];

beforeAll(async () => {
  registry = await startDbRegistry({
    dbDir: path.join(realTrivy().cache, 'db'),
    repositories: ['aquasecurity/trivy-db'],
  });
  results = await startArtifactFake();
});
afterAll(async () => {
  await registry.close();
  await results.close();
});
beforeEach(() => {
  written = captureStdout();
});
afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...saved };
  process.exitCode = savedExitCode;
});

test('saved after the first (failing) job, restored by the next without a registry download', async () => {
  const images = tmp();
  await writeFixtureImages(images, ['debian-app']);
  // Same path in both jobs, as RUNNER_TEMP is on a runner: the cache version covers the paths.
  const cacheDir = path.join(tmp(), 'trivy-cache');
  const job = async (event = 'push', imageDir = images) => {
    const { env, outputFile } = actionEnvironment({
      images: `${imageDir}/*.tar`,
      'cache-dir': cacheDir,
      'db-repository': registry.repository('aquasecurity/trivy-db'),
      'java-db': 'false',
      'output-dir': tmp(),
      'profiles-dir': tmp(),
      'upload-sarif': 'false',
      'upload-artifact': 'false',
    });
    process.env = {
      ...saved,
      ...env,
      PATH: pathWithTrivy(),
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: results.resultsUrl,
      ACTIONS_RUNTIME_TOKEN: results.runtimeToken,
      GITHUB_WORKSPACE: tmp(),
      GITHUB_EVENT_NAME: event,
    };
    process.exitCode = undefined;
    await run(process.env);
    return { exitCode: process.exitCode, outputs: parseOutputs(readFileSync(outputFile, 'utf8')) };
  };
  const manifestFetches = () => registry.requests.filter((r) => r.path.includes('/manifests/')).length;

  const first = await job();
  expect(first.exitCode).toBe(1);
  expect(first.outputs.verdict).toBe('fail');
  expect(manifestFetches()).toBe(1);
  const key = dbCacheKey(new Date(), process.platform);
  // The DB right after it was prepared; the layer cache after the last scan, though the gate failed.
  const prefix = layerCachePrefix(process.platform, '0.74.0');
  expect(results.caches.map((c) => [c.key.startsWith(prefix) ? prefix : c.key, c.finalized])).toEqual([
    [key, true],
    [prefix, true],
  ]);
  const listing = (cacheKey: string) => {
    const archive = path.join(tmp(), 'cache.tgz');
    writeFileSync(archive, results.cacheArchive(cacheKey)!);
    const listed = spawnSync('tar', ['-tf', archive], { encoding: 'utf8' });
    return listed.stdout + listed.stderr;
  };
  expect(listing(key)).toMatch(/db\/trivy\.db/);
  expect(listing(key)).toMatch(/db\/metadata\.json/);
  const layerKey = results.caches[1]!.key;
  expect(listing(layerKey)).toMatch(/fanal\/fanal\.db/);
  expect(listing(layerKey)).toMatch(/fanal\/vulngate-layer-cache\.json/);
  // The image's report goes with the layers: the next job does not run Trivy for it at all.
  expect(listing(layerKey)).toMatch(/fanal\/vulngate-results\/[0-9a-f]{64}\.json/);

  rmSync(cacheDir, { recursive: true, force: true });
  const second = await job();
  expect(second.exitCode).toBe(1);
  expect(existsSync(path.join(cacheDir, 'db', 'trivy.db'))).toBe(true);
  expect(manifestFetches()).toBe(1);
  expect(written.join('')).toContain(`Cache hit for: ${key}`);
  expect(written.join('')).toContain(`Restored the layer cache ${layerKey}`);
  // An exact DB hit is not saved again, nor a layer cache to which this run added nothing.
  expect(written.join('')).toContain(
    'the report of an earlier run (same image, Trivy, DBs, flags and VEX: result cache)',
  );
  expect(results.caches).toHaveLength(2);

  // A pull_request_target run scans a fork's tarball in the default branch's cache scope: it adds to the cache on
  // disk (a new image), and saves nothing, so a later push run never restores what the fork's input made.
  const forkImages = tmp();
  await writeFixtureImages(forkImages, ['node-app']);
  const fork = await job('pull_request_target', forkImages);
  expect(fork.exitCode).toBe(1);
  expect(written.join('')).toContain('The layer cache is not saved from a pull_request_target run');
  expect(results.caches).toHaveLength(2);
}, 120_000);

test('the key is per OS and UTC day', () => {
  expect(dbCacheKey(new Date('2026-11-23T23:59:59Z'), 'linux')).toBe('vulngate-trivy-db-linux-2026-11-23');
  expect(dbCacheKey(new Date('2026-11-24T00:00:00Z'), 'linux')).toBe('vulngate-trivy-db-linux-2026-11-24');
});
