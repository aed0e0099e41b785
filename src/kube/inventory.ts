import { profileOf, type RunningContainer, type Workload } from '../core/cluster.js';
import { apiPath, type KubeApi, type KubeObject } from './api.js';

/** What the cluster runs, as far as the role may read it. */
export interface Inventory {
  containers: RunningContainer[];
  pods: number;
  /** A namespace or resource the role cannot read: one line each, never a failure. */
  warnings: string[];
}

interface PodSpec {
  containers?: { name?: string; image?: string }[];
  initContainers?: { name?: string; image?: string }[];
  ephemeralContainers?: { name?: string; image?: string }[];
}
interface PodStatus {
  phase?: string;
  containerStatuses?: { name?: string; imageID?: string }[];
  initContainerStatuses?: { name?: string; imageID?: string }[];
  ephemeralContainerStatuses?: { name?: string; imageID?: string }[];
}

/** Where each owner kind is read, and which of its owners leads further up. */
const OWNER_PATHS: Record<string, (ns: string, name: string) => string> = {
  ReplicaSet: (ns, n) => apiPath`/apis/apps/v1/namespaces/${ns}/replicasets/${n}`,
  Deployment: (ns, n) => apiPath`/apis/apps/v1/namespaces/${ns}/deployments/${n}`,
  StatefulSet: (ns, n) => apiPath`/apis/apps/v1/namespaces/${ns}/statefulsets/${n}`,
  DaemonSet: (ns, n) => apiPath`/apis/apps/v1/namespaces/${ns}/daemonsets/${n}`,
  Job: (ns, n) => apiPath`/apis/batch/v1/namespaces/${ns}/jobs/${n}`,
  CronJob: (ns, n) => apiPath`/apis/batch/v1/namespaces/${ns}/cronjobs/${n}`,
};

/**
 * Pods in every namespace (or the ones named), paged; each container's running digest from its status; each pod's
 * top owner (Deployment through its ReplicaSet, CronJob through its Job, StatefulSet, DaemonSet, else the Pod) and
 * the profile its annotations, or its namespace's, ask for. Finished pods (Succeeded, Failed) run nothing.
 */
export async function readInventory(
  api: KubeApi,
  args: { namespaces: string[]; selector?: string },
): Promise<Inventory> {
  const warnings: string[] = [];
  const warnOnce = (line: string) => void (warnings.includes(line) || warnings.push(line));
  const namespaceAnnotations = await readNamespaces(api, args.namespaces, warnOnce);
  const query: Record<string, string> = args.selector ? { labelSelector: args.selector } : {};
  const pods: KubeObject[] = [];
  const lists =
    args.namespaces.length > 0
      ? args.namespaces.map((ns) => ({ path: apiPath`/api/v1/namespaces/${ns}/pods`, what: `pods in ${ns}` }))
      : [{ path: '/api/v1/pods', what: 'pods in all namespaces' }];
  for (const { path, what } of lists) {
    const read = await api.list(path, query);
    if (read.ok) pods.push(...read.value);
    else warnOnce(`cannot list ${what} (${read.status}): not scanned`);
  }
  const owners = new OwnerReader(api, warnOnce);
  const containers: RunningContainer[] = [];
  let running = 0;
  for (const pod of pods) {
    const status = (pod.status ?? {}) as PodStatus;
    if (status.phase === 'Succeeded' || status.phase === 'Failed') continue;
    running += 1;
    const namespace = pod.metadata?.namespace ?? '';
    const top = await owners.topOwner(pod);
    const profile = profileOf(top.annotations, namespaceAnnotations.get(namespace));
    for (const container of podContainers(pod)) {
      const workload: Workload = { namespace, kind: top.kind, name: top.name, container: container.name };
      containers.push({
        workload,
        specImage: container.image,
        imageId: container.imageId,
        ...(profile ? { profile } : {}),
      });
    }
  }
  return { containers, pods: running, warnings };
}

async function readNamespaces(
  api: KubeApi,
  named: string[],
  warn: (line: string) => void,
): Promise<Map<string, Record<string, string>>> {
  const annotations = new Map<string, Record<string, string>>();
  const keep = (ns: KubeObject) => annotations.set(ns.metadata?.name ?? '', ns.metadata?.annotations ?? {});
  if (named.length === 0) {
    const read = await api.list('/api/v1/namespaces');
    if (read.ok) read.value.forEach(keep);
    else warn(`cannot list namespaces (${read.status}): their vulngate.io/profile annotations are not read`);
    return annotations;
  }
  for (const name of named) {
    const read = await api.get(apiPath`/api/v1/namespaces/${name}`);
    if (read.ok) keep(read.value);
    else warn(`cannot read namespace ${name} (${read.status}): its vulngate.io/profile annotation is not read`);
  }
  return annotations;
}

/** Containers, init and ephemeral containers with the digest their status reports ('' before they started). */
function podContainers(pod: KubeObject): { name: string; image: string; imageId: string }[] {
  const spec = (pod.spec ?? {}) as PodSpec;
  const status = (pod.status ?? {}) as PodStatus;
  const pairs = [
    [spec.containers, status.containerStatuses],
    [spec.initContainers, status.initContainerStatuses],
    [spec.ephemeralContainers, status.ephemeralContainerStatuses],
  ] as const;
  return pairs.flatMap(([containers, statuses]) =>
    (containers ?? []).flatMap((c) =>
      c.name && c.image
        ? [{ name: c.name, image: c.image, imageId: statuses?.find((s) => s.name === c.name)?.imageID ?? '' }]
        : [],
    ),
  );
}

interface Owner {
  kind: string;
  name: string;
  annotations?: Record<string, string>;
}

/** Owner lookups, each object read once; one the role cannot read ends the chain where it is (a warning). */
class OwnerReader {
  private readonly cache = new Map<string, Promise<KubeObject | undefined>>();

  constructor(
    private readonly api: KubeApi,
    private readonly warn: (line: string) => void,
  ) {}

  async topOwner(pod: KubeObject): Promise<Owner> {
    const namespace = pod.metadata?.namespace ?? '';
    let current: Owner = { kind: 'Pod', name: pod.metadata?.name ?? '', annotations: pod.metadata?.annotations };
    let object: KubeObject = pod;
    // Pod → ReplicaSet → Deployment, Pod → Job → CronJob: two steps at most.
    for (let step = 0; step < 2; step += 1) {
      const ref = object.metadata?.ownerReferences?.find((o) => o.controller);
      const path = ref?.kind && ref.name ? OWNER_PATHS[ref.kind]?.(namespace, ref.name) : undefined;
      if (!ref?.kind || !ref.name || !path) break;
      const read = await this.read(path, ref.kind);
      if (!read) return { kind: ref.kind, name: ref.name, annotations: current.annotations };
      object = read;
      current = { kind: ref.kind, name: ref.name, annotations: read.metadata?.annotations };
    }
    return current;
  }

  private read(path: string, kind: string): Promise<KubeObject | undefined> {
    let pending = this.cache.get(path);
    if (!pending) {
      pending = this.api.get(path).then((read) => {
        if (read.ok) return read.value;
        this.warn(`cannot read ${kind} objects (${read.status}): workloads are named by what owns their pods`);
        return undefined;
      });
      this.cache.set(path, pending);
    }
    return pending;
  }
}
