// A local stand-in for the GitHub REST API endpoints vulngate calls, on 127.0.0.1. It checks requests the way
// GitHub does (token, API version header, body fields, SARIF gzip+base64) and answers with GitHub's shapes and errors.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { JOB_TOKEN_IDENTITY, gitHubUser, whoAmIAnswer, type GitHubIdentity } from './issue-servers.ts';

export interface Comment {
  id: number;
  body: string;
  html_url: string;
  /** Who wrote it, as GitHub's REST API has it. */
  user: { login: string; type: string };
}

export interface GitHubFake {
  url: string;
  sarifUploads: { commit_sha: string; ref: string; tool_name: string; sarif: unknown }[];
  comments: Comment[];
  requests: { method: string; path: string; status: number }[];
  /** Scripted answers: the next N requests matching a route answer with this status instead. */
  failNext(route: 'sarif-upload' | 'sarif-status' | 'comments' | 'comment-write', status: number, times?: number): void;
  /** Polls that answer `pending` before `complete`. */
  pendingPolls: number;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';

export async function startGitHubFake(opts: {
  owner: string;
  repo: string;
  token: string;
  pullNumber?: number;
  /** Who the token is; the job token by default. */
  identity?: GitHubIdentity;
}): Promise<GitHubFake> {
  const identity = opts.identity ?? JOB_TOKEN_IDENTITY;
  const failures = new Map<string, { status: number; times: number }>();
  let nextId = 1000;
  const fake: Omit<GitHubFake, 'url' | 'close'> & { pendingPolls: number } = {
    sarifUploads: [],
    comments: [],
    requests: [],
    pendingPolls: 0,
    failNext(route, status, times = 1) {
      failures.set(route, { status, times });
    },
  };
  const polls = new Map<string, number>();
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      ...headers,
    });
    res.end(JSON.stringify(body));
  };
  const scripted = (route: string): number | undefined => {
    const f = failures.get(route);
    if (!f || f.times <= 0) return undefined;
    f.times -= 1;
    return f.status;
  };
  const errorBody = (status: number) =>
    status === 403
      ? {
          message: 'Resource not accessible by integration',
          documentation_url: `${DOCS}/code-scanning/code-scanning#upload-an-analysis-as-sarif-data`,
          status: '403',
        }
      : status === 404
        ? { message: 'Not Found', documentation_url: DOCS, status: '404' }
        : status === 422
          ? { message: 'Invalid request.', errors: ['ref is not a valid ref'], documentation_url: DOCS, status: '422' }
          : { message: 'Server Error', status: String(status) };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    let status = 200;
    const reply = (s: number, body: unknown, headers?: Record<string, string>) => {
      status = s;
      send(res, s, body, headers);
    };
    try {
      // GitHub takes the token as `Bearer` (documented) or `token` (what Octokit sent).
      if (![`Bearer ${opts.token}`, `token ${opts.token}`].includes(req.headers.authorization ?? ''))
        return reply(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      if (req.headers['x-github-api-version'] !== '2022-11-28')
        return reply(400, { message: 'Unsupported or missing X-GitHub-Api-Version header', status: '400' });
      if (!String(req.headers.accept ?? '').includes('application/vnd.github'))
        return reply(415, { message: 'Unsupported Accept header' });
      const who = whoAmIAnswer(method, url.pathname, raw, identity);
      if (who) return reply(who.status, who.body);
      const base = `/repos/${opts.owner}/${opts.repo}`;
      if (!url.pathname.startsWith(`${base}/`)) return reply(404, errorBody(404));
      const route = url.pathname.slice(base.length);

      if (method === 'POST' && route === '/code-scanning/sarifs') {
        const forced = scripted('sarif-upload');
        if (forced) return reply(forced, errorBody(forced));
        const body = JSON.parse(raw) as { commit_sha?: string; ref?: string; sarif?: string; tool_name?: string };
        if (!/^[0-9a-f]{40}$/.test(body.commit_sha ?? ''))
          return reply(422, {
            message: 'Invalid request.',
            errors: ['commit_sha is not a 40-character SHA'],
            status: '422',
          });
        if (!/^refs\/(heads|tags|pull)\/.+/.test(body.ref ?? ''))
          return reply(422, { message: 'Invalid request.', errors: ['ref is not a valid ref'], status: '422' });
        let sarif: unknown;
        try {
          sarif = JSON.parse(gunzipSync(Buffer.from(body.sarif ?? '', 'base64')).toString('utf8'));
        } catch {
          return reply(400, { message: 'sarif must be gzip-compressed and base64-encoded', status: '400' });
        }
        if ((sarif as { version?: string }).version !== '2.1.0')
          return reply(422, { message: 'Invalid request.', errors: ['SARIF version must be 2.1.0'], status: '422' });
        fake.sarifUploads.push({
          commit_sha: body.commit_sha!,
          ref: body.ref!,
          tool_name: body.tool_name ?? '',
          sarif,
        });
        const id = `sarif-${(nextId += 1)}`;
        polls.set(id, fake.pendingPolls);
        return reply(202, { id, url: `http://${req.headers.host}${base}/code-scanning/sarifs/${id}` });
      }
      const statusMatch = /^\/code-scanning\/sarifs\/([^/]+)$/.exec(route);
      if (method === 'GET' && statusMatch) {
        const forced = scripted('sarif-status');
        if (forced) return reply(forced, errorBody(forced));
        const left = polls.get(statusMatch[1]!);
        if (left === undefined) return reply(404, errorBody(404));
        if (left > 0) {
          polls.set(statusMatch[1]!, left - 1);
          return reply(200, { processing_status: 'pending', analyses_url: null, errors: null });
        }
        return reply(200, {
          processing_status: 'complete',
          analyses_url: `http://${req.headers.host}${base}/code-scanning/analyses?sarif_id=${statusMatch[1]}`,
          errors: [],
        });
      }
      const listMatch = /^\/issues\/(\d+)\/comments$/.exec(route);
      if (listMatch) {
        if (Number(listMatch[1]) !== opts.pullNumber) return reply(404, errorBody(404));
        if (method === 'GET') {
          const forced = scripted('comments');
          if (forced) return reply(forced, errorBody(forced));
          const perPage = Number(url.searchParams.get('per_page') ?? 30);
          const page = Number(url.searchParams.get('page') ?? 1);
          const slice = fake.comments.slice((page - 1) * perPage, page * perPage);
          const last = Math.max(1, Math.ceil(fake.comments.length / perPage));
          const link =
            page < last
              ? { link: `<http://${req.headers.host}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"` }
              : undefined;
          return reply(200, slice, link);
        }
        if (method === 'POST') {
          const forced = scripted('comment-write');
          if (forced) return reply(forced, errorBody(forced));
          const { body } = JSON.parse(raw) as { body?: string };
          if (!body) return reply(422, { message: 'Invalid request.', errors: ['body is missing'], status: '422' });
          const comment = {
            id: (nextId += 1),
            body,
            user: gitHubUser(identity.login),
            html_url: `https://github.com/${opts.owner}/${opts.repo}/pull/${opts.pullNumber}#issuecomment-${nextId}`,
          };
          fake.comments.push(comment);
          return reply(201, comment);
        }
      }
      const editMatch = /^\/issues\/comments\/(\d+)$/.exec(route);
      if (editMatch && method === 'PATCH') {
        const forced = scripted('comment-write');
        if (forced) return reply(forced, errorBody(forced));
        const comment = fake.comments.find((c) => c.id === Number(editMatch[1]));
        if (!comment) return reply(404, errorBody(404));
        comment.body = (JSON.parse(raw) as { body: string }).body;
        return reply(200, comment);
      }
      return reply(404, errorBody(404));
    } finally {
      fake.requests.push({ method, path: url.pathname, status });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** A comment someone else wrote, to show vulngate finds its own among many (and across pages). */
export function otherComments(n: number): Comment[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    user: gitHubUser('octocat'),
    body: `LGTM ${i}`,
    html_url: `https://github.com/o/r/pull/7#issuecomment-${i + 1}`,
  }));
}
