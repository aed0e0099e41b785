import { groupBy } from '../../../core/collections.js';
import { codeFilePath } from '../../../core/finding.js';
import { sha256Hex } from '../../../core/hash.js';
import type { GateResults } from '../../../core/results.js';
import type { RetryPolicy } from '../../../lib/retry.js';
import { compareSeverityDesc } from '../../../core/severity.js';

const hash = (text: string, length: number) => sha256Hex(text).slice(0, length);

/** What every tracker takes besides its address and credentials. */
export interface TrackerBase {
  labels: string[];
  assignees: string[];
  retry: RetryPolicy;
  timeoutMs: number;
}

/** One issue: one vulnerability id in one target (an image without its tag, or a directory). */
export interface IssueSpec {
  /** Finds the issue again on every run: the target's stable name and the id. */
  key: string;
  /** The target it belongs to: only a target scanned in this run can close its issues. */
  targetKey: string;
  /** Changes when what the issue says changes, so unchanged issues are not rewritten. */
  contentHash: string;
  title: string;
  id: string;
  severity: string;
  target: string;
  primaryUrl: string;
  packages: { name: string; installed: string; fixed: string; where: string }[];
  reason: string;
}

/** An issue as the tracker has it: found again by its key (a hidden marker, or labels on Jira). */
export interface TrackedIssue {
  /** Number (GitHub), iid (GitLab) or key (Jira). */
  ref: string;
  key: string;
  targetKey: string;
  contentHash: string;
  open: boolean;
  url?: string;
}

/** What a tracker lists: vulngate's own issues, and those that only look like them. */
export interface IssueListing {
  /** Issues vulngate opened: the marker at the start, written by the identity vulngate writes as. */
  issues: TrackedIssue[];
  /** Issues that carry the marker (or its labels) but someone else wrote: never edited, reported. */
  foreign: string[];
  /** Who vulngate writes as there: `github-actions[bot]`, a GitLab username, a Jira account. */
  identity: string;
}

export interface IssueTracker {
  /** Every issue vulngate opened there, open or closed (all pages), and those it did not open but look like it. */
  list(): Promise<IssueListing>;
  create(spec: IssueSpec): Promise<TrackedIssue>;
  update(issue: TrackedIssue, spec: IssueSpec): Promise<void>;
  /** Closes with a comment saying why. */
  close(issue: TrackedIssue, comment: string): Promise<void>;
  /** Reopens with a comment saying why. */
  reopen(issue: TrackedIssue, comment: string): Promise<void>;
}

export const targetKeyOf = (stableName: string) => hash(stableName, 12);

/** The issues the blocking findings call for, one per target and id, most severe first. */
export function issueSpecs(results: GateResults): IssueSpec[] {
  const stable = new Map(results.images.map((i) => [i.name, i.stableName]));
  const groups = groupBy(
    results.findings.filter((f) => f.decision === 'blocking'),
    (f) => hash(`${stable.get(f.image) ?? f.image}\u0000${f.id}`, 16),
  );
  const specs: IssueSpec[] = [];
  for (const [key, list] of groups) {
    const [first] = list;
    if (!first) continue;
    const target = stable.get(first.image) ?? first.image;
    const packages = list
      .map((f) => ({
        name: f.package,
        installed: f.installedVersion,
        fixed: f.fixedVersion,
        where: f.targetKind === 'fs' ? codeFilePath(f.image, f.target) : f.target,
      }))
      .sort((a, b) => `${a.name}${a.installed}`.localeCompare(`${b.name}${b.installed}`));
    const content = { id: first.id, severity: first.severity, target, packages, reason: first.reason };
    specs.push({
      key,
      targetKey: targetKeyOf(target),
      contentHash: hash(JSON.stringify(content), 12),
      title: `[vulngate] ${first.id} (${first.severity}) in ${target}`.slice(0, 250),
      primaryUrl: first.primaryUrl,
      ...content,
    });
  }
  return specs.sort(
    (a, b) => compareSeverityDesc(a.severity as never, b.severity as never) || a.key.localeCompare(b.key),
  );
}

export interface SyncResult {
  created: string[];
  updated: string[];
  closed: string[];
  reopened: string[];
  /** Issues that look like vulngate's but are someone else's: left alone. */
  foreign: string[];
  identity: string;
}

/**
 * Makes the tracker say what the run found: creates what is missing, updates what changed, reopens what came back,
 * closes what no longer blocks on a target scanned now. Found by key before anything is created, so a retried run
 * opens no duplicates.
 */
export async function syncIssues(args: {
  tracker: IssueTracker;
  specs: IssueSpec[];
  /** targetKeyOf() of every target scanned in this run. */
  scannedTargets: string[];
  /** Where it was seen, for the comments: branch and run. */
  seenOn: string;
}): Promise<SyncResult> {
  const { tracker, specs } = args;
  const listing = await tracker.list();
  const result: SyncResult = {
    created: [],
    updated: [],
    closed: [],
    reopened: [],
    foreign: listing.foreign,
    identity: listing.identity,
  };
  const existing = new Map<string, TrackedIssue>();
  for (const issue of listing.issues) {
    // Several issues of one key (made by hand, or by an older run): the open one counts.
    const had = existing.get(issue.key);
    if (!had || (!had.open && issue.open)) existing.set(issue.key, issue);
  }
  const wanted = new Set(specs.map((s) => s.key));
  for (const spec of specs) {
    const issue = existing.get(spec.key);
    if (!issue) {
      result.created.push((await tracker.create(spec)).ref);
      continue;
    }
    if (!issue.open) {
      await tracker.reopen(issue, `Found again by vulngate on ${args.seenOn}.`);
      result.reopened.push(issue.ref);
    }
    if (issue.contentHash !== spec.contentHash) {
      await tracker.update(issue, spec);
      result.updated.push(issue.ref);
    }
  }
  const scanned = new Set(args.scannedTargets);
  for (const issue of existing.values()) {
    if (!issue.open || wanted.has(issue.key) || !scanned.has(issue.targetKey)) continue;
    await tracker.close(issue, `No longer blocking: vulngate did not find it on ${args.seenOn}.`);
    result.closed.push(issue.ref);
  }
  return result;
}
