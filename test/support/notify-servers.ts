// Local stand-ins for Slack's incoming webhooks and the issue APIs of GitHub, GitLab and Jira Cloud. Each checks
// requests as the real API does (limits, auth, shapes) and answers with its real success and error bodies.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface Listening {
  url: string;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<Listening> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

// ---------------------------------------------------------------- Slack

export interface SlackFake extends Listening {
  /** The webhook path, as Slack issues them. */
  hook: string;
  messages: { text: string; blocks: Record<string, unknown>[] }[];
  /** Scripted answers for the next requests: status and body (and Retry-After). */
  answers: { status: number; body: string; retryAfter?: string }[];
}

/** Slack's documented limits: 50 blocks, 3000 characters in a section text, 150 in a header; text or blocks needed. */
function slackProblem(payload: { text?: unknown; blocks?: unknown }): string | undefined {
  if (typeof payload.text !== 'string' && !Array.isArray(payload.blocks)) return 'no_text';
  if (!Array.isArray(payload.blocks)) return undefined;
  if (payload.blocks.length > 50) return 'invalid_blocks';
  for (const block of payload.blocks as Record<string, unknown>[]) {
    const text = (block.text as { type?: string; text?: string } | undefined) ?? undefined;
    switch (block.type) {
      case 'header':
        if (text?.type !== 'plain_text' || !text.text || text.text.length > 150) return 'invalid_blocks';
        break;
      case 'section':
        if (!text?.text || text.text.length > 3000 || !['mrkdwn', 'plain_text'].includes(text.type ?? ''))
          return 'invalid_blocks';
        break;
      case 'divider':
        break;
      case 'context':
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 10)
          return 'invalid_blocks';
        break;
      default:
        return 'invalid_blocks';
    }
  }
  return undefined;
}

export async function startSlackFake(): Promise<SlackFake> {
  const hook = '/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX';
  const fake = { hook, messages: [] as SlackFake['messages'], answers: [] as SlackFake['answers'] };
  const server = await listen((req, body, res) => {
    const text = (status: number, answer: string, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(answer);
    if (req.method !== 'POST' || req.url !== hook) return text(404, 'no_service');
    const scripted = fake.answers.shift();
    if (scripted)
      return text(scripted.status, scripted.body, scripted.retryAfter ? { 'retry-after': scripted.retryAfter } : {});
    let payload: { text?: string; blocks?: Record<string, unknown>[] };
    try {
      payload = JSON.parse(body) as typeof payload;
    } catch {
      return text(400, 'invalid_payload');
    }
    const problem = slackProblem(payload);
    if (problem) return text(400, problem);
    fake.messages.push({ text: payload.text ?? '', blocks: payload.blocks ?? [] });
    return text(200, 'ok');
  });
  return Object.assign(fake, server);
}

// ---------------------------------------------------------------- GitHub issues

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  assignees: string[];
  state: 'open' | 'closed';
  comments: string[];
  pull_request?: boolean;
}

export interface IssuesFake extends Listening {
  issues: FakeIssue[];
  requests: { method: string; path: string; status: number }[];
  /** Answer every write with this status (permissions), or 0 for none. */
  refuseWrites: number;
}

export async function startGitHubIssues(opts: { owner: string; repo: string; token: string }): Promise<IssuesFake> {
  const fake = { issues: [] as FakeIssue[], requests: [] as IssuesFake['requests'], refuseWrites: 0 };
  const prefix = `/repos/${opts.owner}/${opts.repo}/issues`;
  const server = await listen((req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      fake.requests.push({ method: req.method ?? '', path: url.pathname + url.search, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${opts.token}`) return json(401, { message: 'Bad credentials' });
    if (req.headers['x-github-api-version'] !== '2022-11-28') return json(400, { message: 'Unsupported API version' });
    const view = (i: FakeIssue) => ({
      number: i.number,
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
      return json(200, slice.map(view));
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

// ---------------------------------------------------------------- GitLab issues

export async function startGitLabIssues(opts: {
  project: string;
  token: string;
  users: Record<string, number>;
}): Promise<IssuesFake> {
  const fake = { issues: [] as FakeIssue[], requests: [] as IssuesFake['requests'], refuseWrites: 0 };
  const prefix = `/api/v4/projects/${encodeURIComponent(opts.project)}/issues`;
  const server = await listen((req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      fake.requests.push({ method: req.method ?? '', path: url.pathname + url.search, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    if (req.headers['private-token'] !== opts.token) return json(401, { message: '401 Unauthorized' });
    if (url.pathname === '/api/v4/users') {
      const id = opts.users[url.searchParams.get('username') ?? ''];
      return json(200, id ? [{ id, username: url.searchParams.get('username') }] : []);
    }
    const view = (i: FakeIssue) => ({
      iid: i.number,
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

// ---------------------------------------------------------------- Jira Cloud

const ADF_NODES = new Set(['doc', 'paragraph', 'text', 'bulletList', 'listItem']);
const ADF_MARKS = new Set(['strong', 'em', 'code', 'link']);

/** A small subset of Jira's ADF validation: known nodes and marks, doc version 1, no empty text nodes. */
export function adfProblem(node: unknown, depth = 0): string | undefined {
  if (typeof node !== 'object' || node === null) return 'not an ADF node';
  const n = node as { type?: string; version?: number; text?: unknown; content?: unknown; marks?: unknown };
  if (depth === 0 && (n.type !== 'doc' || n.version !== 1)) return 'INVALID_INPUT: the root must be a doc of version 1';
  if (!n.type || !ADF_NODES.has(n.type)) return `INVALID_INPUT: unknown node ${String(n.type)}`;
  if (n.type === 'text') {
    if (typeof n.text !== 'string' || n.text === '') return 'INVALID_INPUT: a text node needs text';
    for (const mark of (n.marks as { type?: string; attrs?: { href?: unknown } }[] | undefined) ?? []) {
      if (!ADF_MARKS.has(mark.type ?? '')) return `INVALID_INPUT: unknown mark ${String(mark.type)}`;
      if (mark.type === 'link' && typeof mark.attrs?.href !== 'string') return 'INVALID_INPUT: a link needs href';
    }
    return undefined;
  }
  if (!Array.isArray(n.content)) return `INVALID_INPUT: ${n.type} needs content`;
  for (const child of n.content) {
    const problem = adfProblem(child, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

export interface JiraFake extends Listening {
  issues: {
    key: string;
    summary: string;
    description: unknown;
    labels: string[];
    status: 'To Do' | 'Done';
    comments: unknown[];
  }[];
  requests: { method: string; path: string; status: number }[];
}

export async function startJiraFake(opts: { project: string; user: string; token: string }): Promise<JiraFake> {
  const fake = { issues: [] as JiraFake['issues'], requests: [] as JiraFake['requests'] };
  const auth = `Basic ${Buffer.from(`${opts.user}:${opts.token}`).toString('base64')}`;
  const server = await listen((req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, value?: unknown) => {
      fake.requests.push({ method: req.method ?? '', path: url.pathname, status });
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(value === undefined ? '' : JSON.stringify(value));
    };
    if (req.headers.authorization !== auth)
      return json(401, { errorMessages: ['Client must be authenticated to access this resource.'] });
    const data = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    const view = (i: JiraFake['issues'][number]) => ({
      key: i.key,
      fields: {
        labels: i.labels,
        status: { name: i.status, statusCategory: { key: i.status === 'Done' ? 'done' : 'new' } },
      },
    });
    if (req.method === 'POST' && url.pathname === '/rest/api/3/search/jql') {
      const jql = String(data.jql ?? '');
      const label = /labels = (\S+)/.exec(jql)?.[1];
      const start = Number(data.nextPageToken ?? 0);
      const size = Math.min(Number(data.maxResults ?? 50), 5); // small pages: the client must follow nextPageToken
      const list = fake.issues.filter((i) => !label || i.labels.includes(label));
      const slice = list.slice(start, start + size);
      const more = start + size < list.length;
      return json(200, {
        issues: slice.map(view),
        isLast: !more,
        ...(more ? { nextPageToken: String(start + size) } : {}),
      });
    }
    if (req.method === 'POST' && url.pathname === '/rest/api/3/issue') {
      const fields = (data.fields ?? {}) as Record<string, unknown>;
      if ((fields.project as { key?: string } | undefined)?.key !== opts.project)
        return json(400, { errorMessages: [], errors: { project: 'valid project is required' } });
      const problem = adfProblem(fields.description);
      if (problem) return json(400, { errorMessages: [], errors: { description: problem } });
      const labels = (fields.labels as string[] | undefined) ?? [];
      if (labels.some((l) => /\s/.test(l)))
        return json(400, { errorMessages: [], errors: { labels: 'The label must not contain spaces.' } });
      const key = `${opts.project}-${fake.issues.length + 1}`;
      fake.issues.push({
        key,
        summary: String(fields.summary),
        description: fields.description,
        labels,
        status: 'To Do',
        comments: [],
      });
      return json(201, { id: String(fake.issues.length), key, self: `/rest/api/3/issue/${key}` });
    }
    const one = /^\/rest\/api\/3\/issue\/([A-Z]+-\d+)(\/transitions|\/comment)?$/.exec(url.pathname);
    const issue = one ? fake.issues.find((i) => i.key === one[1]) : undefined;
    if (!issue) return json(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] });
    if (one?.[2] === '/transitions' && req.method === 'GET') {
      return json(200, {
        transitions:
          issue.status === 'Done'
            ? [{ id: '11', name: 'Reopen', to: { statusCategory: { key: 'new' } } }]
            : [{ id: '31', name: 'Done', to: { statusCategory: { key: 'done' } } }],
      });
    }
    if (one?.[2] === '/transitions' && req.method === 'POST') {
      const id = (data.transition as { id?: string } | undefined)?.id;
      if (issue.status === 'Done' && id === '11') issue.status = 'To Do';
      else if (issue.status === 'To Do' && id === '31') issue.status = 'Done';
      else return json(400, { errorMessages: [`Transition id '${String(id)}' is not valid for this issue.`] });
      return json(204);
    }
    if (one?.[2] === '/comment' && req.method === 'POST') {
      const problem = adfProblem(data.body);
      if (problem) return json(400, { errorMessages: [problem] });
      issue.comments.push(data.body);
      return json(201, { id: String(issue.comments.length) });
    }
    if (req.method === 'PUT') {
      const fields = (data.fields ?? {}) as Record<string, unknown>;
      if (fields.description !== undefined) {
        const problem = adfProblem(fields.description);
        if (problem) return json(400, { errorMessages: [], errors: { description: problem } });
        issue.description = fields.description;
      }
      if (Array.isArray(fields.labels)) issue.labels = fields.labels as string[];
      if (typeof fields.summary === 'string') issue.summary = fields.summary;
      return json(204);
    }
    return json(404, { errorMessages: ['Not found'] });
  });
  return Object.assign(fake, server);
}
