import { describeError } from '../../../core/errors.js';
import { ISSUE_PROVIDERS, type IssuesNotify } from '../../../core/notify.js';
import type { Receiver, SpoolEntry } from '../../receiver.js';
import { ENTRY_FIELDS, namesMoreThanWhat, unexpectedKeys } from '../../spool.js';
import { issueSpecs, syncIssues, targetKeyOf, type IssueSpec } from './sync.js';
import { trackerFor } from './trackers.js';

/** What an issue sync needs to run again: the profile's issues settings and the specs, never an address or token. */
export interface StoredIssueSync {
  issues: IssuesNotify;
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

const SYNC_FIELDS = ['issues', 'specs', 'scannedTargets', 'seenOn'];

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
      issues,
      specs: issueSpecs(run.results),
      scannedTargets: run.results.images.map((i) => targetKeyOf(i.stableName)),
      seenOn: [ci.ref || 'this run', ci.pipelineUrl].filter(Boolean).join(', '),
    };
    return { entry: { version: 1, sink: 'issues', createdAt: context.now.toISOString(), reasons: [], sync } };
  },

  async send(entry, to, context) {
    const { sync } = entry;
    const tracker = trackerFor(sync.issues, to, context);
    if (typeof tracker === 'string') return { status: 'skipped', message: `Issues: ${tracker}; nothing was opened` };
    const label = `Issues (${sync.issues.provider})`;
    try {
      const done = await syncIssues({ tracker, ...sync });
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
    const issues = sync?.issues as Partial<IssuesNotify> | undefined;
    return sync &&
      Array.isArray(sync.specs) &&
      Array.isArray(sync.scannedTargets) &&
      typeof sync.seenOn === 'string' &&
      ISSUE_PROVIDERS.includes(issues?.provider as never) &&
      Array.isArray(issues?.labels) &&
      Array.isArray(issues.assignees)
      ? undefined
      : 'an issues entry without its issues';
  },

  secrets: (to) => {
    const { githubToken, gitlab, jira } = to.trackers;
    const basic = jira?.user && jira.token ? Buffer.from(`${jira.user}:${jira.token}`).toString('base64') : undefined;
    return [githubToken, gitlab?.token, jira?.token, basic && `Basic ${basic}`];
  },
};
