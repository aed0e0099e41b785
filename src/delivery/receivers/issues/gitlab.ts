import { httpClient, joinUrl, type HttpFailure } from '../../../lib/http.js';
import { issueMarkdown, readMarker } from './markdown.js';
import type { IssueSpec, IssueTracker, TrackedIssue, TrackerBase } from './sync.js';

export interface GitLabIssuesSettings extends TrackerBase {
  /** CI_API_V4_URL. */
  apiUrl: string;
  /** Project id or path (group/project). */
  project: string;
  /** A project or personal access token with `api` scope (the job token cannot write issues). */
  token: string;
}

const LABEL = 'vulngate';

function describe({ status, body, redirectTo }: HttpFailure): string | undefined {
  if (redirectTo !== undefined) return undefined;
  if (status === 401) return 'GitLab refused the token (401); check gitlab-token';
  if (status === 403) return 'GitLab refused to write issues (403): the token needs the api scope and Reporter role';
  if (status === 404) return 'GitLab has no such project or issue here (404); check notify.issues.project';
  return `GitLab answered ${status}: ${body.slice(0, 200)}`;
}

/** Project issues through GitLab's REST API, found again by a hidden marker and the `vulngate` label. */
export function gitlabIssues(s: GitLabIssuesSettings): IssueTracker {
  const base = joinUrl(s.apiUrl, `/projects/${encodeURIComponent(s.project)}`);
  const http = httpClient({
    service: 'GitLab',
    credential: { origin: s.apiUrl, headers: { 'PRIVATE-TOKEN': s.token } },
    retry: s.retry,
    timeoutMs: s.timeoutMs,
  });
  const request = async (method: string, url: string, json?: unknown) => {
    const answer = await http.send({ method, url, json, describe });
    return { json: answer.json(), next: answer.headers.get('x-next-page') ?? '' };
  };
  const call = async (method: string, path: string, body?: unknown) =>
    (await request(method, `${base}${path}`, body)).json as Record<string, unknown>;
  const tracked = (raw: Record<string, unknown>): TrackedIssue | undefined => {
    const marker = readMarker(raw.description);
    if (!marker) return undefined;
    return { ...marker, ref: String(raw.iid), open: raw.state === 'opened', url: String(raw.web_url ?? '') };
  };
  let assigneeIds: number[] | undefined;
  const resolveAssignees = async () => {
    if (assigneeIds) return assigneeIds;
    const ids: number[] = [];
    for (const username of s.assignees) {
      const { json } = await request('GET', joinUrl(s.apiUrl, `/users?username=${encodeURIComponent(username)}`));
      const id = Array.isArray(json) ? (json[0] as { id?: unknown } | undefined)?.id : undefined;
      if (typeof id === 'number') ids.push(id);
    }
    assigneeIds = ids;
    return ids;
  };
  return {
    async list() {
      const found: TrackedIssue[] = [];
      let page = '1';
      for (let n = 0; page !== '' && n < 50; n += 1) {
        const { json, next } = await request(
          'GET',
          `${base}/issues?labels=${LABEL}&state=all&per_page=100&page=${page}`,
        );
        for (const raw of Array.isArray(json) ? (json as Record<string, unknown>[]) : []) {
          const issue = tracked(raw);
          if (issue) found.push(issue);
        }
        page = next;
      }
      return found;
    },
    async create(spec: IssueSpec) {
      const ids = await resolveAssignees();
      const created = await call('POST', '/issues', {
        title: spec.title,
        description: issueMarkdown(spec),
        labels: [LABEL, ...s.labels].join(','),
        ...(ids.length > 0 ? { assignee_ids: ids } : {}),
      });
      return tracked(created) ?? { ref: String(created.iid), ...spec, open: true };
    },
    async update(issue, spec) {
      await call('PUT', `/issues/${issue.ref}`, { title: spec.title, description: issueMarkdown(spec) });
    },
    async close(issue, text) {
      await call('POST', `/issues/${issue.ref}/notes`, { body: text });
      await call('PUT', `/issues/${issue.ref}`, { state_event: 'close' });
    },
    async reopen(issue, text) {
      await call('PUT', `/issues/${issue.ref}`, { state_event: 'reopen' });
      await call('POST', `/issues/${issue.ref}/notes`, { body: text });
    },
  };
}
