// Local stand-ins for the issue APIs of GitHub and GitLab: auth, paging, labels, state changes and their errors.
import { gitHubLink } from './github-link.ts';
import type { Listening } from './local-http.ts';
import { listen } from './local-http.ts';

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  assignees: string[];
  state: 'open' | 'closed';
  comments: string[];
  pull_request?: boolean;
  /** Who wrote it: issues vulngate creates are the token's; others are someone's (default `octocat`). */
  author?: string;
}

/** Who a token is, as GitHub knows it: a person's token, or an app's installation token (the job token's is one). */
export interface GitHubIdentity {
  login: string;
  bot: boolean;
}

/** The job token: `github-actions[bot]`, which may not read /user. */
export const JOB_TOKEN_IDENTITY: GitHubIdentity = { login: 'github-actions[bot]', bot: true };

/** A REST `user` object as GitHub writes it on issues and comments. */
export function gitHubUser(login: string): { login: string; type: string } {
  return { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' };
}

/**
 * GET /user and POST /graphql `{ viewer { login } }`, as GitHub answers them: an installation token is refused
 * /user ("Resource not accessible by integration") and GraphQL names its bot by the app's slug (the client takes the
 * name with or without REST's `[bot]`). Undefined: not one of these requests.
 */
export function whoAmIAnswer(
  method: string,
  path: string,
  body: string,
  identity: GitHubIdentity,
): { status: number; body: unknown } | undefined {
  if (method === 'GET' && path === '/user') {
    return identity.bot
      ? {
          status: 403,
          body: {
            message: 'Resource not accessible by integration',
            documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
            status: '403',
          },
        }
      : { status: 200, body: { ...gitHubUser(identity.login), id: 1 } };
  }
  if (method === 'POST' && (path === '/graphql' || path === '/api/graphql')) {
    const query = (JSON.parse(body || '{}') as { query?: string }).query ?? '';
    if (!/viewer\s*\{\s*login\s*\}/.test(query)) return { status: 200, body: { errors: [{ message: 'unsupported' }] } };
    return { status: 200, body: { data: { viewer: { login: identity.login.replace(/\[bot\]$/, '') } } } };
  }
  return undefined;
}

export interface IssuesFake extends Listening {
  issues: FakeIssue[];
  requests: { method: string; path: string; status: number }[];
  /** Answer every write with this status (permissions), or 0 for none. */
  refuseWrites: number;
}

export async function startGitHubIssues(opts: {
  owner: string;
  repo: string;
  token: string;
  identity?: GitHubIdentity;
}): Promise<IssuesFake> {
  const identity = opts.identity ?? JOB_TOKEN_IDENTITY;
  const fake = { issues: [] as FakeIssue[], requests: [] as IssuesFake['requests'], refuseWrites: 0 };
  const prefix = `/repos/${opts.owner}/${opts.repo}/issues`;
  const server = await listen((req, body, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'x'}`);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      fake.requests.push({ method: req.method ?? '', path: url.pathname + url.search, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${opts.token}`) return json(401, { message: 'Bad credentials' });
    if (req.headers['x-github-api-version'] !== '2022-11-28') return json(400, { message: 'Unsupported API version' });
    const who = whoAmIAnswer(req.method ?? '', url.pathname, body, identity);
    if (who) return json(who.status, who.body);
    const view = (i: FakeIssue) => ({
      number: i.number,
      user: gitHubUser(i.author ?? 'octocat'),
      title: i.title,
      body: i.body,
      state: i.state,
      labels: i.labels.map((name) => ({ name })),
      html_url: `https://github.com/${opts.owner}/${opts.repo}/issues/${i.number}`,
      ...(i.pull_request ? { pull_request: { url: 'x' } } : {}),
    });
    if (req.method === 'GET' && url.pathname === prefix) {
      const label = url.searchParams.get('labels');
      const state = url.searchParams.get('state') ?? 'open';
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
      const page = Number(url.searchParams.get('page') ?? 1);
      const list = fake.issues.filter(
        (i) => (!label || i.labels.includes(label)) && (state === 'all' || i.state === state),
      );
      const slice = list.slice((page - 1) * perPage, page * perPage);
      return json(200, slice.map(view), gitHubLink(url, page, list.length, perPage));
    }
    if (req.method !== 'GET' && fake.refuseWrites) {
      return json(fake.refuseWrites, {
        message: 'Resource not accessible by integration',
        status: String(fake.refuseWrites),
      });
    }
    const data = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    if (req.method === 'POST' && url.pathname === prefix) {
      if (typeof data.title !== 'string' || data.title === '')
        return json(422, { message: 'Validation Failed', errors: [{ field: 'title', code: 'missing_field' }] });
      if (typeof data.body === 'string' && data.body.length > 65_536)
        return json(422, {
          message: 'Validation Failed',
          errors: [{ field: 'body', code: 'custom', message: 'body is too long (maximum is 65536 characters)' }],
        });
      const issue: FakeIssue = {
        number: fake.issues.length + 1,
        title: data.title,
        body: String(data.body ?? ''),
        labels: (data.labels as string[] | undefined) ?? [],
        assignees: (data.assignees as string[] | undefined) ?? [],
        state: 'open',
        comments: [],
        author: identity.login,
      };
      fake.issues.push(issue);
      return json(201, view(issue));
    }
    const one = new RegExp(`^${prefix}/(\\d+)(/comments)?$`).exec(url.pathname);
    const issue = one ? fake.issues.find((i) => i.number === Number(one[1])) : undefined;
    if (!issue) return json(404, { message: 'Not Found' });
    if (req.method === 'POST' && one?.[2]) {
      issue.comments.push(String(data.body));
      return json(201, { id: issue.comments.length, body: data.body });
    }
    if (req.method === 'PATCH') {
      if (data.state !== undefined && data.state !== 'open' && data.state !== 'closed')
        return json(422, { message: 'Validation Failed' });
      if (typeof data.body === 'string') issue.body = data.body;
      if (typeof data.title === 'string') issue.title = data.title;
      if (data.state === 'open' || data.state === 'closed') issue.state = data.state;
      return json(200, view(issue));
    }
    return json(404, { message: 'Not Found' });
  });
  return Object.assign(fake, server);
}

/** The user a GitLab token is (a project access token's is a bot user); issues vulngate creates are its. */
export const GITLAB_TOKEN_USER = { id: 77, username: 'project_42_bot_1a2b' };

export async function startGitLabIssues(opts: {
  project: string;
  token: string;
  users: Record<string, number>;
}): Promise<IssuesFake> {
  const ids: Record<string, number> = { ...opts.users, [GITLAB_TOKEN_USER.username]: GITLAB_TOKEN_USER.id };
  const fake = { issues: [] as FakeIssue[], requests: [] as IssuesFake['requests'], refuseWrites: 0 };
  const prefix = `/api/v4/projects/${encodeURIComponent(opts.project)}/issues`;
  const server = await listen((req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      fake.requests.push({ method: req.method ?? '', path: url.pathname + url.search, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    if (req.headers['private-token'] !== opts.token) return json(401, { message: '401 Unauthorized' });
    if (url.pathname === '/api/v4/user') return json(200, { ...GITLAB_TOKEN_USER, bot: true, state: 'active' });
    if (url.pathname === '/api/v4/users') {
      const id = opts.users[url.searchParams.get('username') ?? ''];
      return json(200, id ? [{ id, username: url.searchParams.get('username') }] : []);
    }
    const view = (i: FakeIssue) => ({
      iid: i.number,
      author: { id: ids[i.author ?? 'alice'] ?? 1, username: i.author ?? 'alice' },
      title: i.title,
      description: i.body,
      state: i.state === 'open' ? 'opened' : 'closed',
      labels: i.labels,
      web_url: `https://gitlab.example.com/${opts.project}/-/issues/${i.number}`,
    });
    if (req.method === 'GET' && url.pathname.replace(/%2F/gi, '/') === prefix.replace(/%2F/gi, '/')) {
      const label = url.searchParams.get('labels');
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 20), 100);
      const page = Number(url.searchParams.get('page') ?? 1);
      const list = fake.issues.filter((i) => !label || i.labels.includes(label));
      const slice = list.slice((page - 1) * perPage, page * perPage);
      const next = page * perPage < list.length ? String(page + 1) : '';
      return json(200, slice.map(view), { 'x-next-page': next, 'x-total': String(list.length) });
    }
    if (req.method !== 'GET' && fake.refuseWrites) return json(fake.refuseWrites, { message: '403 Forbidden' });
    const data = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    const path = url.pathname.replace(/%2F/gi, '/');
    const base = prefix.replace(/%2F/gi, '/');
    if (req.method === 'POST' && path === base) {
      if (typeof data.title !== 'string' || !data.title) return json(400, { message: { title: ["can't be blank"] } });
      const issue: FakeIssue = {
        number: fake.issues.length + 1,
        title: data.title,
        body: String(data.description ?? ''),
        labels: String(data.labels ?? '')
          .split(',')
          .filter(Boolean),
        assignees: ((data.assignee_ids as number[] | undefined) ?? []).map(String),
        state: 'open',
        comments: [],
        author: GITLAB_TOKEN_USER.username,
      };
      fake.issues.push(issue);
      return json(201, view(issue));
    }
    const one = new RegExp(`^${base}/(\\d+)(/notes)?$`).exec(path);
    const issue = one ? fake.issues.find((i) => i.number === Number(one[1])) : undefined;
    if (!issue) return json(404, { message: '404 Not found' });
    if (req.method === 'POST' && one?.[2]) {
      issue.comments.push(String(data.body));
      return json(201, { id: issue.comments.length });
    }
    if (req.method === 'PUT') {
      if (data.state_event === 'close') issue.state = 'closed';
      if (data.state_event === 'reopen') issue.state = 'open';
      if (typeof data.description === 'string') issue.body = data.description;
      if (typeof data.title === 'string') issue.title = data.title;
      return json(200, view(issue));
    }
    return json(404, { message: '404 Not found' });
  });
  return Object.assign(fake, server);
}
