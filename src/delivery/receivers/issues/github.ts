import { gitHubApi, isAuthor } from '../../../lib/github-api.js';
import type { HttpFailure } from '../../../lib/http.js';
import { issueMarkdown, readMarker } from './markdown.js';
import type { IssueListing, IssueSpec, IssueTracker, TrackedIssue, TrackerBase } from './sync.js';

export interface GitHubIssuesSettings extends TrackerBase {
  apiUrl: string;
  owner: string;
  repo: string;
  token: string;
}

const LABEL = 'vulngate';

/** What GitHub's 4xx answers mean for this job, in one line. */
function describe({ status, body, redirectTo }: HttpFailure): string | undefined {
  if (redirectTo !== undefined) return undefined;
  if (status === 401) return 'GitHub refused the token (401)';
  if (status === 403) return 'GitHub refused to write issues (403): give the job `permissions: issues: write`';
  if (status === 404) return 'GitHub has no such repository or issue here (404)';
  if (status === 410) return 'issues are turned off in this repository (410)';
  if (status === 422) return `GitHub rejected the issue (422): ${body.slice(0, 200)}`;
  return `GitHub answered ${status}`;
}

/** Repository issues through the REST API with the job token; found again by a hidden marker and a label. */
export function githubIssues(s: GitHubIssuesSettings): IssueTracker {
  const api = gitHubApi({ apiUrl: s.apiUrl, token: s.token, retry: s.retry, timeoutMs: s.timeoutMs });
  const base = `/repos/${s.owner}/${s.repo}`;
  const call = async (method: string, path: string, json?: unknown) =>
    (await api.request(method, `${base}${path}`, { json, describe })) as Record<string, unknown>;
  const tracked = (raw: Record<string, unknown>): TrackedIssue | undefined => {
    const marker = readMarker(raw.body);
    if (!marker || raw.pull_request) return undefined;
    return { ...marker, ref: String(raw.number), open: raw.state === 'open', url: String(raw.html_url ?? '') };
  };
  let identity: Promise<string> | undefined;
  const whoAmI = () => (identity ??= api.viewerLogin());
  const comment = (issue: TrackedIssue, body: string) => call('POST', `/issues/${issue.ref}/comments`, { body });
  return {
    async list() {
      const login = await whoAmI();
      const items = await api.paginate(`${base}/issues?labels=${LABEL}&state=all&per_page=100&page=1`, {
        maxPages: 50,
        describe,
      });
      const listing: IssueListing = { issues: [], foreign: [], identity: login };
      for (const raw of items as Record<string, unknown>[]) {
        const issue = tracked(raw);
        if (!issue) continue;
        // Anyone who can write issues can copy the marker: only the token's own issues are vulngate's.
        if (isAuthor(raw.user, login)) listing.issues.push(issue);
        else listing.foreign.push(`#${issue.ref}`);
      }
      return listing;
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
