import { describeError } from '../../../core/errors.js';
import type { Receiver, SpoolEntry } from '../../receiver.js';
import { ENTRY_FIELDS, namesMoreThanWhat, unexpectedKeys } from '../../spool.js';
import { issueSpecs, syncIssues, targetKeyOf, type IssueSpec } from './sync.js';
import { trackerFor } from './trackers.js';

/**
 * What an issue sync needs to run again: the issues to have, never the tracker, its project, labels or
 * assignees (the sending job's profile names those) nor an address or token (its settings).
 */
export interface StoredIssueSync {
  specs: IssueSpec[];
  /** targetKeyOf() of every target scanned in the run: only those can close issues. */
  scannedTargets: string[];
  /** Where it was seen, for the comments: branch and run. */
  seenOn: string;
}

export interface IssuesEntry extends SpoolEntry {
  sink: 'issues';
  sync: StoredIssueSync;
}

const SYNC_FIELDS = ['specs', 'scannedTargets', 'seenOn'];

const HEX12 = /^[0-9a-f]{12}$/;
const TEXT_FIELDS = ['title', 'id', 'severity', 'target', 'primaryUrl', 'reason'] as const;

/** An issue as vulngate plans it: its keys as it makes them, its texts text, its packages rows of text. */
function isSpec(value: unknown): boolean {
  const spec = value as Partial<Record<keyof IssueSpec, unknown>> | null;
  if (typeof spec !== 'object' || spec === null) return false;
  const keys = /^[0-9a-f]{16}$/.test(String(spec.key)) && HEX12.test(String(spec.targetKey));
  const texts = TEXT_FIELDS.every((field) => typeof spec[field] === 'string');
  const rows =
    Array.isArray(spec.packages) &&
    spec.packages.every((p: Record<string, unknown> | null) =>
      ['name', 'installed', 'fixed', 'where'].every((field) => typeof p?.[field] === 'string'),
    );
  return keys && HEX12.test(String(spec.contentHash)) && texts && rows;
}

/** The one warning for issues that carry the marker but are not vulngate's: left alone, named. */
function foreignLine(foreign: string[], identity: string): string {
  const shown = foreign.slice(0, 10).join(', ');
  const more = foreign.length > 10 ? ` and ${foreign.length - 10} more` : '';
  return (
    `${foreign.length} issue(s) carry vulngate's marker but were not opened by ${identity} (${shown}${more}): ` +
    'left alone'
  );
}

/** One issue per target and blocking vulnerability, found again, kept up to date, closed when it no longer blocks. */
export const issuesReceiver: Receiver<IssuesEntry> = {
  name: 'issues',
  stage: 'people',

  async plan(run, context) {
    const issues = run.notify?.issues;
    if (!issues) return undefined;
    const { ci } = run;
    const onDefault = ci.defaultBranch !== '' && ci.ref === ci.defaultBranch;
    if (!onDefault && !issues.anyBranch) {
      context.logger.info('Issues: only on the default branch (notify.issues.any_branch is false)');
      return undefined;
    }
    const sync: StoredIssueSync = {
      specs: issueSpecs(run.results),
      scannedTargets: run.results.images.map((i) => targetKeyOf(i.stableName)),
      seenOn: [ci.ref || 'this run', ci.pipelineUrl].filter(Boolean).join(', '),
    };
    return { entry: { version: 1, sink: 'issues', createdAt: context.now.toISOString(), reasons: [], sync } };
  },

  async send(entry, to, context) {
    const { sync } = entry;
    const issues = to.notify?.issues;
    if (!issues)
      return { status: 'skipped', message: "Issues: this job's profile has no notify.issues; nothing was opened" };
    const tracker = trackerFor(issues, to, context);
    if (typeof tracker === 'string') return { status: 'skipped', message: `Issues: ${tracker}; nothing was opened` };
    const label = `Issues (${issues.provider})`;
    try {
      const done = await syncIssues({ tracker, ...sync });
      if (done.foreign.length > 0) context.logger.warning(`${label}: ${foreignLine(done.foreign, done.identity)}`);
      const message =
        `${label}: ${done.created.length} opened, ${done.updated.length} updated, ` +
        `${done.reopened.length} reopened, ${done.closed.length} closed`;
      return { status: 'delivered', message };
    } catch (err) {
      const reason = describeError(err);
      return { status: 'failed', message: `${label}: ${reason}`, left: { ...entry, reasons: [reason] } };
    }
  },

  check(entry) {
    const extra = unexpectedKeys(entry, [...ENTRY_FIELDS, 'sync']);
    const sync = entry.sync as Record<string, unknown> | null;
    if (typeof sync === 'object' && sync !== null) {
      extra.push(...unexpectedKeys(sync, SYNC_FIELDS).map((key) => `sync.${key}`));
    }
    if (extra.length > 0) return namesMoreThanWhat(extra);
    return sync &&
      Array.isArray(sync.specs) &&
      sync.specs.every(isSpec) &&
      Array.isArray(sync.scannedTargets) &&
      sync.scannedTargets.every((t) => typeof t === 'string' && HEX12.test(t)) &&
      typeof sync.seenOn === 'string'
      ? undefined
      : 'an issues entry without its issues';
  },

  secrets: (to) => {
    const { githubToken, gitlab, jira } = to.trackers;
    const basic = jira?.user && jira.token ? Buffer.from(`${jira.user}:${jira.token}`).toString('base64') : undefined;
    return [githubToken, gitlab?.token, jira?.token, basic && `Basic ${basic}`];
  },
};
