import { clusterImages, profileOf, runningDigest, type RunningContainer } from '../../src/core/cluster.ts';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const at = (namespace: string, name: string, container = 'app') => ({ namespace, kind: 'Deployment', name, container });

describe('what a cluster runs', () => {
  test('the running digest from each runtime’s imageID form', () => {
    expect(runningDigest(`docker-pullable://r.example/shop/api@${D1}`)).toBe(D1);
    expect(runningDigest(`r.example/shop/api@${D1}`)).toBe(D1);
    expect(runningDigest(D1)).toBe(D1);
    expect(runningDigest('docker://sha256:abc')).toBeUndefined();
    expect(runningDigest('')).toBeUndefined();
  });

  test('1,000 pods of 40 images are 40 images, each with its workloads once; two profiles, two groups', () => {
    const containers: RunningContainer[] = [];
    for (let pod = 0; pod < 1000; pod += 1) {
      const image = pod % 40;
      const digest = `sha256:${String(image).padStart(64, '0')}`;
      containers.push({
        workload: at(image < 20 ? 'shop' : 'pay', `svc-${image}`),
        specImage: `r.example/svc-${image}:1.${pod % 3}`,
        imageId: `r.example/svc-${image}@${digest}`,
        ...(image < 20 ? {} : { profile: 'strict' }),
      });
    }
    const groups = clusterImages(containers);
    expect([...groups.keys()]).toEqual(['', 'strict']);
    expect(groups.get('')).toHaveLength(20);
    expect(groups.get('strict')).toHaveLength(20);
    const first = groups.get('')![0]!;
    expect(first.entry).toBe(`registry://r.example/svc-0:1.0@sha256:${'0'.repeat(64)}`);
    expect(first.workloads).toEqual([at('shop', 'svc-0')]);
  });

  test('one image in two namespaces with two profiles is judged in both; without a digest the spec names it', () => {
    const groups = clusterImages([
      { workload: at('shop', 'api'), specImage: `r/api:1@${D2}`, imageId: `r/api@${D1}` },
      { workload: at('pay', 'api'), specImage: 'r/api:1', imageId: `r/api@${D1}`, profile: 'pci' },
      { workload: at('shop', 'new'), specImage: 'r/new:2', imageId: '' },
    ]);
    // The digest that runs wins over one the spec names.
    expect(groups.get('')!.map((i) => i.reference)).toEqual([`r/api:1@${D1}`, 'r/new:2']);
    expect(groups.get('pci')!.map((i) => i.reference)).toEqual([`r/api:1@${D1}`]);
  });

  test('the workload’s annotation, else the namespace’s, else the default', () => {
    const a = (p: string) => ({ 'vulngate.io/profile': p });
    expect(profileOf(a('w'), a('n'))).toBe('w');
    expect(profileOf({}, a('n'))).toBe('n');
    expect(profileOf(undefined, undefined)).toBeUndefined();
    expect(profileOf(a('  '), undefined)).toBeUndefined();
  });
});
