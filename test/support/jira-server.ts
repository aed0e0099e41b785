// A local stand-in for Jira Cloud's REST v3: Basic auth, ADF validation, JQL search with nextPageToken, transitions.
import type { Listening } from './local-http.ts';
import { listen } from './local-http.ts';

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
    /** The account that created it (a field nobody can change); default someone else's. */
    creator?: string;
  }[];
  requests: { method: string; path: string; status: number }[];
}

/** The account id of the Jira user whose API token vulngate is given. */
export const JIRA_ACCOUNT_ID = '5b10ac8d82e05b22cc7d4ef5';

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
    if (req.method === 'GET' && url.pathname === '/rest/api/3/myself') {
      return json(200, { accountId: JIRA_ACCOUNT_ID, emailAddress: opts.user, accountType: 'atlassian' });
    }
    // Only the fields asked for, as Jira's search answers.
    const asked = Array.isArray(data.fields) ? (data.fields as string[]) : [];
    const view = (i: JiraFake['issues'][number]) => ({
      key: i.key,
      fields: {
        ...(asked.includes('creator') ? { creator: { accountId: i.creator ?? '557058:someone-else' } } : {}),
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
        creator: JIRA_ACCOUNT_ID,
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
