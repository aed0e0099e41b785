import { requestJson } from '../../lib/http.js';
import { issueMarkdown, readMarker } from './markdown.js';
import type { IssueSpec, IssueTracker, TrackedIssue, TrackerBase } from './sync.js';

export interface GitHubIssuesSettings extends TrackerBase {
  apiUrl: string;
  owner: string;
  repo: string;
  token: string;
}

const LABEL = 'vulngate';

/** What GitHub's 4xx answers mean for this job, in one line. */
function describe(status: number, body: string): string {
  if (status === 401) return 'GitHub refused the token (401)';
  if (status === 403) return 'GitHub refused to write issues (403): give the job `permissions: issues: write`';
  if (status === 404) return 'GitHub has no such repository or issue here (404)';
  if (status === 410) return 'issues are turned off in this repository (410)';
  if (status === 422) return `GitHub rejected the issue (422): ${body.slice(0, 200)}`;
  return `GitHub answered ${status}`;
}

/** Repository issues through the REST API with the job token; found again by a hidden marker and a label. */
export function githubIssues(s: GitHubIssuesSettings): IssueTracker {
  const base = `${s.apiUrl.replace(/\/+$/, '')}/repos/${s.owner}/${s.repo}`;
  const call = async (method: string, path: string, body?: unknown) =>
    (
      await requestJson({
        method,
        url: `${base}${path}`,
        headers: {
          Authorization: `Bearer ${s.token}`,
          Accept: 'application/vnd.github+json',
          'X-GitHub-Api-Version': '2022-11-28',
        },
        body,
        retry: s.retry,
        timeoutMs: s.timeoutMs,
        describe,
      })
    ).json as Record<string, unknown>;
  const tracked = (raw: Record<string, unknown>): TrackedIssue | undefined => {
    const marker = readMarker(raw.body);
    if (!marker || raw.pull_request) return undefined;
    return { ...marker, ref: String(raw.number), open: raw.state === 'open', url: String(raw.html_url ?? '') };
  };
  const comment = (issue: TrackedIssue, body: string) => call('POST', `/issues/${issue.ref}/comments`, { body });
  return {
    async list() {
      const found: TrackedIssue[] = [];
      for (let page = 1; page <= 50; page += 1) {
        const items = (await call('GET', `/issues?labels=${LABEL}&state=all&per_page=100&page=${page}`)) as unknown;
        const list = Array.isArray(items) ? (items as Record<string, unknown>[]) : [];
        for (const raw of list) {
          const issue = tracked(raw);
          if (issue) found.push(issue);
        }
        if (list.length < 100) break;
      }
      return found;
    },
    async create(spec: IssueSpec) {
      const created = await call('POST', '/issues', {
        title: spec.title,
        body: issueMarkdown(spec),
        labels: [LABEL, ...s.labels],
        ...(s.assignees.length > 0 ? { assignees: s.assignees } : {}),
      });
      return tracked(created) ?? { ref: String(created.number), ...spec, open: true };
    },
    async update(issue, spec) {
      await call('PATCH', `/issues/${issue.ref}`, { title: spec.title, body: issueMarkdown(spec) });
    },
    async close(issue, text) {
      await comment(issue, text);
      await call('PATCH', `/issues/${issue.ref}`, { state: 'closed', state_reason: 'completed' });
    },
    async reopen(issue, text) {
      await call('PATCH', `/issues/${issue.ref}`, { state: 'open' });
      await comment(issue, text);
    },
  };
}
