import { httpClient, joinUrl, type HttpClient, type HttpFailure } from '../../../lib/http.js';
import { issueMarkdown, readMarker } from './markdown.js';
import { HttpError } from '../../../lib/retry.js';
import type { IssueListing, IssueSpec, IssueTracker, TrackedIssue, TrackerBase } from './sync.js';

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

const tracked = (raw: Record<string, unknown>): TrackedIssue | undefined => {
  const marker = readMarker(raw.description);
  if (!marker) return undefined;
  return { ...marker, ref: String(raw.iid), open: raw.state === 'opened', url: String(raw.web_url ?? '') };
};

/** Project issues through GitLab's REST API, found again by a hidden marker and the `vulngate` label. */
class GitLabIssues implements IssueTracker {
  private readonly base: string;
  private readonly http: HttpClient;
  private assigneeIds: number[] | undefined;
  private me: { id: number; username: string } | undefined;

  constructor(private readonly s: GitLabIssuesSettings) {
    this.base = joinUrl(s.apiUrl, `/projects/${encodeURIComponent(s.project)}`);
    this.http = httpClient({
      service: 'GitLab',
      credential: { origin: s.apiUrl, headers: { 'PRIVATE-TOKEN': s.token } },
      retry: s.retry,
      timeoutMs: s.timeoutMs,
    });
  }

  private async request(method: string, url: string, json?: unknown) {
    const answer = await this.http.send({ method, url, json, describe });
    return { json: answer.json(), next: answer.headers.get('x-next-page') ?? '' };
  }

  private async call(method: string, path: string, body?: unknown) {
    return (await this.request(method, `${this.base}${path}`, body)).json as Record<string, unknown>;
  }

  /** Usernames to ids, looked up once. */
  private async assignees(): Promise<number[]> {
    if (this.assigneeIds) return this.assigneeIds;
    const ids: number[] = [];
    for (const username of this.s.assignees) {
      const url = joinUrl(this.s.apiUrl, `/users?username=${encodeURIComponent(username)}`);
      const { json } = await this.request('GET', url);
      const id = Array.isArray(json) ? (json[0] as { id?: unknown } | undefined)?.id : undefined;
      if (typeof id === 'number') ids.push(id);
    }
    this.assigneeIds = ids;
    return ids;
  }

  /** The token's user (a project access token's is a bot user): the author of the issues vulngate opens. */
  private async whoAmI(): Promise<{ id: number; username: string }> {
    if (this.me) return this.me;
    const { json } = await this.request('GET', joinUrl(this.s.apiUrl, '/user'));
    const { id, username } = json as { id?: unknown; username?: unknown };
    if (typeof id !== 'number') throw new HttpError('GitLab did not say who the token is (GET /user)', 200);
    this.me = { id, username: typeof username === 'string' ? username : String(id) };
    return this.me;
  }

  /** Pages followed by X-Next-Page, at most 50; only the token's own issues are vulngate's. */
  async list(): Promise<IssueListing> {
    const me = await this.whoAmI();
    const listing: IssueListing = { issues: [], foreign: [], identity: me.username };
    let page = '1';
    for (let n = 0; page !== '' && n < 50; n += 1) {
      const url = `${this.base}/issues?labels=${LABEL}&state=all&per_page=100&page=${page}`;
      const { json, next } = await this.request('GET', url);
      for (const raw of Array.isArray(json) ? (json as Record<string, unknown>[]) : []) {
        const issue = tracked(raw);
        if (!issue) continue;
        const author = (raw.author as { id?: unknown } | null | undefined)?.id;
        if (author === me.id) listing.issues.push(issue);
        else listing.foreign.push(`#${issue.ref}`);
      }
      page = next;
    }
    return listing;
  }

  async create(spec: IssueSpec): Promise<TrackedIssue> {
    const ids = await this.assignees();
    const created = await this.call('POST', '/issues', {
      title: spec.title,
      description: issueMarkdown(spec),
      labels: [LABEL, ...this.s.labels].join(','),
      ...(ids.length > 0 ? { assignee_ids: ids } : {}),
    });
    return tracked(created) ?? { ref: String(created.iid), ...spec, open: true };
  }

  async update(issue: TrackedIssue, spec: IssueSpec): Promise<void> {
    await this.call('PUT', `/issues/${issue.ref}`, { title: spec.title, description: issueMarkdown(spec) });
  }

  async close(issue: TrackedIssue, text: string): Promise<void> {
    await this.call('POST', `/issues/${issue.ref}/notes`, { body: text });
    await this.call('PUT', `/issues/${issue.ref}`, { state_event: 'close' });
  }

  async reopen(issue: TrackedIssue, text: string): Promise<void> {
    await this.call('PUT', `/issues/${issue.ref}`, { state_event: 'reopen' });
    await this.call('POST', `/issues/${issue.ref}/notes`, { body: text });
  }
}

export function gitlabIssues(settings: GitLabIssuesSettings): IssueTracker {
  return new GitLabIssues(settings);
}
