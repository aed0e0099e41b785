// `vulngate cluster` against a real Kubernetes API (kube-apiserver + etcd built from the Go module proxy) and a real
// registry (Debian's docker-registry with TLS and htpasswd): the project's own manifests applied, the scan run with a
// token of the project's own ServiceAccount, pods created and their status written as a kubelet would.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { distCli } from '../../test/support/cli.ts';
import { writeFixtureImages } from '../../test/support/fixture-images.ts';
import { startCluster, type TestCluster } from '../../test/support/kube.ts';
import { startRegistry, type TestRegistry } from '../../test/support/registry.ts';
import { freshTrivyCache, realTrivy } from '../../test/support/trivy.ts';
import { trivyShim, type TrivyShim } from '../../test/support/trivy-shim.ts';
import { ROOT } from '../../test/support/paths.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-cluster-'));
const DEPLOY = path.join(ROOT, 'deploy/kubernetes');

/** Where the API keeps each kind the manifests hold. */
const RESOURCE: Record<string, (ns: string) => string> = {
  Namespace: () => '/api/v1/namespaces',
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  PersistentVolumeClaim: (ns) => `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
  Service: (ns) => `/api/v1/namespaces/${ns}/services`,
  ClusterRole: () => '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  ClusterRoleBinding: () => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  CronJob: (ns) => `/apis/batch/v1/namespaces/${ns}/cronjobs`,
  Job: (ns) => `/apis/batch/v1/namespaces/${ns}/jobs`,
  Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  ReplicaSet: (ns) => `/apis/apps/v1/namespaces/${ns}/replicasets`,
  Pod: (ns) => `/api/v1/namespaces/${ns}/pods`,
};

type Obj = { kind: string; metadata: { name: string; namespace?: string; uid?: string }; [k: string]: unknown };

function manifests(dir: string): Obj[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => yaml.loadAll(readFileSync(path.join(dir, f), 'utf8')) as Obj[]);
}

let cluster: TestCluster;
let registry: TestRegistry;
let shim: TrivyShim;
const digest: Record<string, string> = {};

async function create(obj: Obj, dryRun = false): Promise<Obj> {
  const ns = obj.metadata.namespace ?? '';
  const answer = await cluster.request('POST', `${RESOURCE[obj.kind]!(ns)}${dryRun ? '?dryRun=All' : ''}`, obj);
  if (answer.status !== 201)
    throw new Error(`${obj.kind} ${obj.metadata.name}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as Obj;
}

const owner = (o: Obj) => [
  { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, controller: true },
];

/** A pod with containers, owned by `by`, and its status as a kubelet writes it (imageID '' = not started yet). */
async function pod(
  ns: string,
  name: string,
  containers: { name: string; image: string; imageID: string; init?: boolean }[],
  by?: Obj,
) {
  const spec = (init: boolean) =>
    containers.filter((c) => !!c.init === init).map(({ name: n, image }) => ({ name: n, image }));
  const created = await create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, ...(by ? { ownerReferences: owner(by) } : {}) },
    spec: { containers: spec(false), ...(spec(true).length ? { initContainers: spec(true) } : {}) },
  } as Obj);
  const statuses = (init: boolean) =>
    containers
      .filter((c) => !!c.init === init && c.imageID)
      .map((c) => ({
        name: c.name,
        image: c.image,
        imageID: c.imageID,
        ready: !init,
        restartCount: 0,
        state: init ? { terminated: { exitCode: 0 } } : { running: {} },
      }));
  const status = { phase: 'Running', containerStatuses: statuses(false), initContainerStatuses: statuses(true) };
  const answer = await cluster.request('PUT', `/api/v1/namespaces/${ns}/pods/${name}/status`, { ...created, status });
  if (answer.status !== 200) throw new Error(`pod status ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startCluster(), startRegistry()]);
  shim = trivyShim();
  const [debian, node, clean] = await writeFixtureImages(tmp(), ['debian-app', 'node-app', 'clean']);
  digest.api = registry.push(debian!, 'shop/api:1.0');
  digest.web = registry.push(node!, 'shop/web:2.3');
  digest.clean = registry.push(clean!, 'shop/clean:1.0');
  const r = registry.host;

  // The project's manifests: the namespace first, then each accepted by a server-side dry run, the RBAC objects made.
  const objects = [...manifests(DEPLOY), ...manifests(path.join(DEPLOY, 'trivy-server'))];
  await create(objects.find((o) => o.kind === 'Namespace')!);
  for (const o of objects.filter((o) => o.kind !== 'Namespace')) await create(o, true);
  for (const o of objects.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind)))
    await create(o);

  for (const ns of ['shop', 'pay']) {
    const annotations = ns === 'pay' ? { 'vulngate.io/profile': 'accepted' } : {};
    await create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, annotations } } as unknown as Obj);
  }
  const deployment = (ns: string, name: string) =>
    create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'x' }] } } } } as unknown as Obj); // prettier-ignore
  const replicaSet = (ns: string, name: string, by: Obj) =>
    create({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: ns, ownerReferences: owner(by) },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'x' }] } } } } as unknown as Obj); // prettier-ignore
  // shop: a Deployment of 30 pods running api by its tag, pulled by digest; a CronJob whose Job runs api with an
  // init container of clean; a pod of clean not started yet (no imageID: its tag is resolved in the registry).
  const shopApi = await replicaSet('shop', 'api-7d9f', await deployment('shop', 'api'));
  for (let i = 0; i < 30; i += 1) {
    await pod(
      'shop',
      `api-7d9f-${i}`,
      [{ name: 'app', image: `${r}/shop/api:1.0`, imageID: `${r}/shop/api@${digest.api}` }],
      shopApi,
    );
  }
  const cron = await create({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'shop' },
    spec: { schedule: '0 1 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x' }] } } } } } } as unknown as Obj); // prettier-ignore
  const job = await create({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'nightly-29', namespace: 'shop', ownerReferences: owner(cron) },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x' }] } } } } as unknown as Obj); // prettier-ignore
  await pod(
    'shop',
    'nightly-29-abc',
    [
      {
        name: 'migrate',
        image: `${r}/shop/clean:1.0`,
        imageID: `docker-pullable://${r}/shop/clean@${digest.clean}`,
        init: true,
      },
      { name: 'main', image: `${r}/shop/api:1.0`, imageID: `${r}/shop/api@${digest.api}` },
    ],
    job,
  );
  await pod('shop', 'pending', [{ name: 'app', image: `${r}/shop/clean:1.0`, imageID: '' }]);
  // pay (profile `accepted` by its namespace's annotation): api and web.
  const payApi = await replicaSet('pay', 'api-55c', await deployment('pay', 'api'));
  await pod(
    'pay',
    'api-55c-0',
    [{ name: 'app', image: `${r}/shop/api:1.0`, imageID: `${r}/shop/api@${digest.api}` }],
    payApi,
  );
  await pod('pay', 'web', [{ name: 'web', image: `${r}/shop/web:2.3`, imageID: `${r}/shop/web@${digest.web}` }]);
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
  await registry?.stop();
});

function profilesDir(): string {
  const dir = tmp();
  writeFileSync(path.join(dir, 'accepted.yml'), 'severity: CRITICAL\nignore_unfixed: true\n');
  return dir;
}

async function clusterScan(token: string, extra: string[] = []) {
  const out = tmp();
  const run = await distCli(
    ['cluster', '--kubeconfig', cluster.kubeconfig(token), '--output-dir', out, '--profiles-dir', profilesDir(),
      '--cache-dir', freshTrivyCache(), '--offline', ...extra], // prettier-ignore
    {
      env: {
        PATH: `${shim.dir}${path.delimiter}${realTrivy().dir}${path.delimiter}${process.env.PATH}`,
        HOME: tmp(),
        DOCKER_CONFIG: registry.dockerConfigDir,
        SSL_CERT_FILE: registry.caFile,
        NODE_EXTRA_CA_CERTS: registry.caFile,
      },
      timeoutMs: 300_000,
    },
  );
  return { run, out };
}

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

describe('vulngate cluster on a real Kubernetes API', () => {
  test("with the project's ServiceAccount: each running digest scanned once per profile, workloads named, profiles by namespace", async () => {
    const token = await cluster.tokenFor('vulngate', 'vulngate');
    const before = shim.calls().filter((c) => c.startsWith('image ')).length;
    const { run, out } = await clusterScan(token);
    expect(run.stderr).not.toMatch(/cannot/);
    expect(run.code).toBe(1);
    const r = registry.host;
    const byDefault = read(path.join(out, 'default', 'vulngate-results.json'));
    const accepted = read(path.join(out, 'accepted', 'vulngate-results.json'));
    type Image = { name: string; manifestDigest: string; workloads?: Record<string, string>[] };
    const shape = (results: { images: Image[] }) =>
      results.images.map((i) => [
        i.name,
        i.manifestDigest,
        i.workloads?.map((w) => `${w.namespace}/${w.kind}/${w.name}/${w.container}`),
      ]);
    expect(shape(byDefault)).toEqual([
      [`${r}/shop/api:1.0@${digest.api}`, digest.api, ['shop/Deployment/api/app', 'shop/CronJob/nightly/main']],
      [`${r}/shop/clean:1.0@${digest.clean}`, digest.clean, ['shop/CronJob/nightly/migrate']],
      [`${r}/shop/clean:1.0`, digest.clean, ['shop/Pod/pending/app']],
    ]);
    expect(shape(accepted)).toEqual([
      [`${r}/shop/api:1.0@${digest.api}`, digest.api, ['pay/Deployment/api/app']],
      [`${r}/shop/web:2.3@${digest.web}`, digest.web, ['pay/Pod/web/web']],
    ]);
    expect(byDefault.verdict).toBe('fail');
    expect(accepted.images[0].counts.blocking).toBe(0);
    expect(accepted.verdict).toBe('fail');
    // 33 pods in shop, 2 in pay: one scan per distinct image. shop/api runs under both profiles: the second profile's
    // run reuses the first's report (same digest, Trivy, DB and flags: the result cache), and judges it its own way.
    const scans = shim
      .calls()
      .filter((c) => c.startsWith('image '))
      .slice(before);
    expect(scans).toHaveLength(4);
    expect(scans.filter((c) => c.includes(`shop/api@${digest.api}`))).toHaveLength(1);
    expect(run.stderr).toMatch(/Scanned .*shop\/api.* \(same image, Trivy, DBs, flags and VEX: result cache\)/);
    expect(run.stdout + run.stderr + allText(out)).not.toContain(token);

    // The next night, with this night's outputs as baseline: each profile compares with its own record.
    const again = await clusterScan(token, ['--baseline', path.join(out, 'vulngate-results.json')]);
    expect(again.run.code).toBe(1);
    for (const profile of ['default', 'accepted']) {
      const next = read(path.join(again.out, profile, 'vulngate-results.json'));
      expect(next.findings.length).toBeGreaterThan(0);
      expect(next.findings.filter((f: { change: string }) => f.change !== 'unchanged')).toEqual([]);
    }
  });

  test('a role that reads less: what it cannot read is one warning each, the rest is scanned', async () => {
    const narrow = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'narrow', namespace: 'vulngate' } };
    await create(narrow as unknown as Obj);
    await create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pods', namespace: 'shop' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] } as unknown as Obj); // prettier-ignore
    await create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'narrow', namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pods' },
      subjects: [{ kind: 'ServiceAccount', name: 'narrow', namespace: 'vulngate' }] } as unknown as Obj); // prettier-ignore
    const { run, out } = await clusterScan(await cluster.tokenFor('vulngate', 'narrow'), ['--namespaces', 'shop,pay']);
    expect(run.code).toBe(1);
    const warnings = run.stderr.split('\n').filter((l) => /cannot/.test(l));
    expect(warnings).toEqual([
      expect.stringContaining('cannot read namespace shop (403)'),
      expect.stringContaining('cannot read namespace pay (403)'),
      expect.stringContaining('cannot list pods in pay (403): not scanned'),
      expect.stringContaining('cannot read ReplicaSet objects (403)'),
      expect.stringContaining('cannot read Job objects (403)'),
    ]);
    const results = read(path.join(out, 'vulngate-results.json'));
    expect(results.images[0].workloads[0]).toEqual({
      namespace: 'shop',
      kind: 'ReplicaSet',
      name: 'api-7d9f',
      container: 'app',
    });
  });

  test('a kubeconfig that cannot be used is one line, exit 2', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'k'));
    const file = path.join(dir, 'k', 'config');
    writeFileSync(file, yaml.dump({ 'current-context': 'x', contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      clusters: [{ name: 'c', cluster: { server: cluster.server } }], users: [{ name: 'u', user: { exec: { command: 'aws' } } }] })); // prettier-ignore
    const run = await distCli(['cluster', '--kubeconfig', file, '--output-dir', tmp()], { env: { HOME: tmp() } });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `vulngate: kubeconfig: ${file}: exec and auth-provider logins are not supported: use a token or a certificate`,
    );
  });
});
