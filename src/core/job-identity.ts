import { sha256Hex } from './hash.js';

/** Names one job of one workflow by what it scanned: matrix jobs share a job id but not their images. */
export function jobKey(args: { workflow: string; job: string; images: string[] }): string {
  return sha256Hex([args.workflow, args.job, ...[...args.images].sort()].join('\n')).slice(0, 16);
}

/** Artifact names must be unique in a run: the job plus a key of what it scanned keeps matrix jobs apart. */
export function defaultArtifactName(job: string, key: string): string {
  const safe = (job || 'job').replace(/[^A-Za-z0-9._-]+/g, '-');
  return `vulngate-${safe}-${key.slice(0, 8)}`;
}

/**
 * The audit artifact's name: as given, else one per job and the stable names of what it scanned — the same on every
 * push (a new image tag does not change it), so the next run finds this one as its baseline.
 */
export function auditArtifactName(args: {
  name: string;
  run: { workflow: string; job: string } | undefined;
  targets: string[];
}): string {
  if (args.name) return args.name;
  const job = args.run?.job ?? '';
  return defaultArtifactName(job, jobKey({ workflow: args.run?.workflow ?? '', job, images: args.targets }));
}
