// `vulngate cluster` at scale: 5,000 running pods of 50 distinct images in 10 namespaces, on a real kube-apiserver
// and etcd and a real registry. Measures the inventory alone (vulngate's reader over the API, BENCH_BUILD) and the
// whole run of the bundled CLI (Trivy through a shim that counts scans). Runs on Node 24 (TypeScript directly).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURE_IMAGES } from '../test/support/fixture-images.ts';
import { writeImage } from '../test/support/image-tarball.ts';
import { startCluster } from '../test/support/kube.ts';
import { ROOT } from '../test/support/paths.ts';
import { startRegistry } from '../test/support/registry.ts';

const build = process.env.BENCH_BUILD ?? '';
const { KubeApi } = await import(path.join(build, 'kube/api.js'));
const { readInventory } = await import(path.join(build, 'kube/inventory.js'));
const { clusterImages } = await import(path.join(build, 'core/cluster.js'));

const IMAGES = 50;
const PODS = 5000;
const NAMESPACES = 10;
const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-bench-cluster-'));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const [cluster, registry] = await Promise.all([startCluster(), startRegistry()]);
try {
  const images = tmp();
  const digests: string[] = [];
  for (let i = 0; i < IMAGES; i += 1) {
    const file = path.join(images, `svc-${i}.tar`);
    const base = FIXTURE_IMAGES['debian-app']!.layers;
    await writeImage(file, {
      repoTag: `bench/svc-${i}:1.0`,
      layers: [...base, [{ path: `srv/id`, content: `${i}\n` }]],
    });
    digests.push(registry.push(file, `bench/svc-${i}:1.0`));
  }
  const started = Date.now();
  for (let n = 0; n < NAMESPACES; n += 1) {
    await cluster.request('POST', '/api/v1/namespaces', { metadata: { name: `team-${n}` } });
  }
  const create = async (i: number) => {
    const ns = `team-${i % NAMESPACES}`;
    const image = i % IMAGES;
    const name = `svc-${image}-${i}`;
    const ref = `${registry.host}/bench/svc-${image}`;
    const created = await cluster.request('POST', `/api/v1/namespaces/${ns}/pods`, {
      metadata: { name, namespace: ns },
      spec: { containers: [{ name: 'app', image: `${ref}:1.0` }] },
    });
    const status = { phase: 'Running', containerStatuses: [{ name: 'app', image: `${ref}:1.0`,
      imageID: `${ref}@${digests[image]}`, ready: true, restartCount: 0, state: { running: {} } }] }; // prettier-ignore
    await cluster.request('PUT', `/api/v1/namespaces/${ns}/pods/${name}/status`, { ...created.body, status });
  };
  for (let i = 0; i < PODS; i += 16)
    await Promise.all(Array.from({ length: Math.min(16, PODS - i) }, (_, k) => create(i + k)));
  console.log(
    `${PODS} pods of ${IMAGES} images in ${NAMESPACES} namespaces created in ${seconds(Date.now() - started)}`,
  );

  // The inventory: vulngate's reader with the tests' admin token, pages of 500.
  const ca = readFileSync(cluster.caFile, 'utf8');
  const access = { server: cluster.server, ca, token: cluster.adminToken, source: 'bench' };
  const once = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, totalMs: 0, jitter: false };
  const api = new KubeApi(access, { timeoutMs: 60_000, retry: once });
  const t0 = Date.now();
  const inventory = await readInventory(api, { namespaces: [] });
  const groups = clusterImages(inventory.containers);
  console.log(
    `inventory: ${inventory.pods} pods, ${inventory.containers.length} containers → ${[...groups.values()].flat().length} ` +
      `images in ${seconds(Date.now() - t0)}`,
  );

  // The whole run: the bundled CLI, one scan per image.
  const out = tmp();
  const t1 = Date.now();
  const run = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), 'cluster', '--kubeconfig',
    cluster.kubeconfig(cluster.adminToken), '--output-dir', out, '--profiles-dir', tmp(), '--cache-dir', cacheWithDb(),
    '--offline', '-q'], { env: { PATH: `${path.dirname(process.env.TRIVY_BIN ?? '')}:${process.env.PATH}`, HOME: tmp(),
    DOCKER_CONFIG: registry.dockerConfigDir, SSL_CERT_FILE: registry.caFile, NODE_EXTRA_CA_CERTS: registry.caFile },
    encoding: 'utf8', timeout: 1_800_000 }); // prettier-ignore
  const results = JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));
  console.log(
    `vulngate cluster: exit ${run.status}, ${results.images.length} images judged, ` +
      `${results.findings.length} findings, in ${seconds(Date.now() - t1)}`,
  );
} finally {
  await cluster.stop();
  await registry.stop();
}

function cacheWithDb(): string {
  const dir = tmp();
  spawnSync('cp', ['-r', path.join(process.env.TRIVY_FIXTURE_CACHE ?? '', 'db'), dir]);
  return dir;
}
