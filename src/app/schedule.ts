/**
 * The order of scans: for each group of images that share a base layer, one image first and the others after it,
 * so they find the shared layers in Trivy's cache instead of analysing them again. Groups start in parallel.
 */
export interface ScanPlan {
  /** Indices to start at once. */
  leaders: number[];
  /** Indices that start after their leader finished, by leader. */
  followers: Map<number, number[]>;
}

/** `layers[i]` is image i's diff_ids, base first; undefined when unknown (scanned at once, alone). */
export function planScans(layers: (string[] | undefined)[]): ScanPlan {
  const leaderOf = new Map<string, number>();
  const plan: ScanPlan = { leaders: [], followers: new Map() };
  layers.forEach((diffIds, index) => {
    const base = diffIds?.[0];
    const leader = base === undefined ? undefined : leaderOf.get(base);
    if (leader === undefined) {
      if (base !== undefined) leaderOf.set(base, index);
      plan.leaders.push(index);
      return;
    }
    const list = plan.followers.get(leader) ?? [];
    list.push(index);
    plan.followers.set(leader, list);
  });
  return plan;
}
