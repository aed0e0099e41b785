/** Where an image runs: the workload that owns the pod (top owner), and the container. */
export interface Workload {
  namespace: string;
  /** Deployment, StatefulSet, DaemonSet, CronJob, Job, ReplicaSet or Pod. */
  kind: string;
  name: string;
  container: string;
}

/** A container as the pod's spec and status say it: what was asked for, and what runs. */
export interface RunningContainer {
  workload: Workload;
  /** spec.containers[].image: `shop/api:1.2`. */
  specImage: string;
  /** status.*ContainerStatuses[].imageID: `docker-pullable://shop/api@sha256:…`, `shop/api@sha256:…`, or ''. */
  imageId: string;
  /** The profile the workload, else its namespace, asks for (annotation vulngate.io/profile); undefined: default. */
  profile?: string;
}

/** One image to scan: by digest where the node reported one, with every place it runs. */
export interface ClusterImage {
  /** What is scanned: `registry://repo:tag@sha256:…` (what runs), or the spec's reference resolved in the registry. */
  entry: string;
  /** `repo:tag@sha256:…` as the record names it. */
  reference: string;
  workloads: Workload[];
}

export const PROFILE_ANNOTATION = 'vulngate.io/profile';
const DIGEST = /@(sha256:[0-9a-f]{64})$/;

/** `docker-pullable://r/app@sha256:…`, `r/app@sha256:…` → the digest; a node that reported none: undefined. */
export function runningDigest(imageId: string): string | undefined {
  return DIGEST.exec(imageId.replace(/^[a-z-]+:\/\//, ''))?.[1] ?? /^(sha256:[0-9a-f]{64})$/.exec(imageId)?.[1];
}

/** The spec's reference without its digest: `shop/api:1.2@sha256:…` → `shop/api:1.2`. */
function withoutDigest(image: string): string {
  return image.replace(/@sha256:[0-9a-f]{64}$/, '');
}

/**
 * The distinct images of the containers, grouped by the profile that judges them: one scan per image and profile,
 * each image named with its tag and pinned to the digest that runs (spec and status agree on the repository; the
 * digest is what the node pulled). An image that runs in two namespaces with two profiles is in both groups.
 */
export function clusterImages(containers: RunningContainer[]): Map<string, ClusterImage[]> {
  const groups = new Map<string, Map<string, ClusterImage>>();
  for (const container of containers) {
    const digest = runningDigest(container.imageId);
    const named = withoutDigest(container.specImage);
    const reference = digest ? `${named}@${digest}` : container.specImage;
    const key = container.profile ?? '';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = new Map()));
    // One digest is one image, whatever tag each pod names it by: the first name seen names it.
    const identity = digest ?? reference;
    const image = group.get(identity) ?? { entry: `registry://${reference}`, reference, workloads: [] };
    if (!image.workloads.some((w) => sameWorkload(w, container.workload))) image.workloads.push(container.workload);
    group.set(identity, image);
  }
  return new Map([...groups].map(([profile, images]) => [profile, [...images.values()]]));
}

function sameWorkload(a: Workload, b: Workload): boolean {
  return a.namespace === b.namespace && a.kind === b.kind && a.name === b.name && a.container === b.container;
}

/** The profile a workload asks for: its own annotation, else its namespace's; undefined: the default profile. */
export function profileOf(
  workloadAnnotations: Record<string, string> | undefined,
  namespaceAnnotations: Record<string, string> | undefined,
): string | undefined {
  const value = workloadAnnotations?.[PROFILE_ANNOTATION] ?? namespaceAnnotations?.[PROFILE_ANNOTATION];
  return value?.trim() ? value.trim() : undefined;
}
