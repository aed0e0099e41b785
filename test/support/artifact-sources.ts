// Local stand-ins for where `baseline: auto` looks: GitHub's Actions artifacts API (listing with pagination, the
// zip behind a redirect to blob storage) and GitLab's job-artifacts API. They check tokens and paths as the real
// APIs do and answer with their shapes and errors.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import archiver from 'archiver';
import { gitHubLink } from './github-link.ts';

export interface StoredArtifact {
  id: number;
  name: string;
  branch: string;
  runId: number;
  createdAt: string;
  expired?: boolean;
  /** Files in the zip. */
  files: Record<string, string>;
  /** The zip as it is, instead of one made of `files` (a bomb, a zip of 20,000 entries). */
  zip?: Buffer;
  /** The run's head repository when it is not this one: a fork's pull request (`mallory/shop`). */
  fork?: string;
  /** The run's event: push (default), schedule, pull_request, pull_request_target… */
  event?: string;
}

export interface LocalApi {
  url: string;
  requests: { path: string; authorization: string | undefined; status: number }[];
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, base: string) => Promise<void> | void) {
  let base = '';
  const server: Server = createServer((req, res) => {
    void Promise.resolve(handler(req, res, base)).catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function zip(files: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const archive = archiver('zip');
    const chunks: Buffer[] = [];
    archive.on('data', (c: Buffer) => chunks.push(c));
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.on('error', reject);
    for (const [name, text] of Object.entries(files)) archive.append(text, { name });
    void archive.finalize();
  });
}

/**
 * GET /repos/:o/:r/actions/artifacts?name=&per_page=&page= (Bearer token, API version header), and
 * GET …/artifacts/:id/zip answering 302 to a "blob storage" path on the same server that refuses any Authorization.
 */
export async function startGitHubArtifacts(opts: {
  owner: string;
  repo: string;
  token: string;
  artifacts: StoredArtifact[];
  /** This repository's id (GITHUB_REPOSITORY_ID); a fork has its own. */
  repositoryId?: number;
  /** A hostile or misconfigured API: every listing page names this origin as `archive_download_url` and `Link`. */
  elsewhere?: string;
}): Promise<LocalApi> {
  const requests: LocalApi['requests'] = [];
  const repositoryId = opts.repositoryId ?? 1000;
  const full = `${opts.owner}/${opts.repo}`;
  const forkId = (name: string) => 5000 + [...name].reduce((n, c) => n + c.charCodeAt(0), 0);
  const headOf = (a: StoredArtifact) =>
    a.fork ? { id: forkId(a.fork), full_name: a.fork } : { id: repositoryId, full_name: full };
  const prefix = `/repos/${opts.owner}/${opts.repo}/actions/artifacts`;
  const runs = `/repos/${opts.owner}/${opts.repo}/actions/runs/`;
  const api = await listen(async (req, res, base) => {
    const url = new URL(req.url ?? '/', base);
    const record = (status: number) =>
      requests.push({ path: url.pathname + url.search, authorization: req.headers.authorization, status });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record(status);
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/blob/')) {
      // Signed storage URLs carry their own credentials: a forwarded GitHub token is an error there.
      if (req.headers.authorization) return json(400, { message: 'Authorization header not allowed on a SAS URL' });
      const artifact = opts.artifacts.find((a) => `/blob/${a.id}.zip` === url.pathname);
      if (!artifact) return json(404, { message: 'BlobNotFound' });
      record(200);
      res.writeHead(200, { 'content-type': 'application/zip' }).end(artifact.zip ?? (await zip(artifact.files)));
      return;
    }
    if (req.headers.authorization !== `Bearer ${opts.token}`) {
      return json(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    if (req.headers['x-github-api-version'] !== '2022-11-28') return json(400, { message: 'Unsupported API version' });
    if (url.pathname === prefix) {
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
      const page = Number(url.searchParams.get('page') ?? 1);
      const name = url.searchParams.get('name');
      const matching = opts.artifacts.filter((a) => name === null || a.name === name);
      const slice = matching.slice((page - 1) * perPage, page * perPage);
      const paging = gitHubLink(url, page, matching.length, perPage);
      const link = opts.elsewhere && paging.link ? { link: paging.link.split(base).join(opts.elsewhere) } : paging;
      const archiveBase = opts.elsewhere ?? base;
      return json(
        200,
        {
          total_count: matching.length,
          artifacts: slice.map((a) => ({
            id: a.id,
            name: a.name,
            size_in_bytes: 1000,
            url: `${base}${prefix}/${a.id}`,
            archive_download_url: `${archiveBase}${prefix}/${a.id}/zip`,
            expired: a.expired ?? false,
            created_at: a.createdAt,
            updated_at: a.createdAt,
            workflow_run: {
              id: a.runId,
              repository_id: repositoryId,
              head_repository_id: headOf(a).id,
              head_branch: a.branch,
              head_sha: 'a'.repeat(40),
            },
          })),
        },
        link,
      );
    }
    // GET /repos/:o/:r/actions/runs/:id: the run's event and head repository, as GitHub describes a run.
    if (url.pathname.startsWith(runs)) {
      const run = opts.artifacts.find((a) => `${runs}${a.runId}` === url.pathname);
      if (!run) return json(404, { message: 'Not Found' });
      return json(200, {
        id: run.runId,
        event: run.event ?? 'push',
        head_branch: run.branch,
        head_repository: headOf(run),
        repository: { id: repositoryId, full_name: full },
        status: 'completed',
        conclusion: 'success',
      });
    }
    const zipMatch = new RegExp(`^${prefix}/(\\d+)/zip$`).exec(url.pathname);
    const artifact = zipMatch ? opts.artifacts.find((a) => String(a.id) === zipMatch[1]) : undefined;
    if (!artifact) return json(404, { message: 'Not Found' });
    if (artifact.expired) return json(410, { message: 'Artifact has expired' });
    record(302);
    res.writeHead(302, { location: `${base}/blob/${artifact.id}.zip` }).end();
  });
  return { url: api.base, requests, close: api.close };
}

/**
 * GET /api/v4/projects/:id/jobs/artifacts/:ref/raw/*path?job= with JOB-TOKEN: the file from the latest successful
 * pipeline of that ref, 404 {"message":"404 Not Found"} when there is none, 401 for a bad token.
 */
export async function startGitLabArtifacts(opts: {
  projectId: string;
  jobToken: string;
  /** `ref job path` → file text. */
  files: Record<string, string>;
}): Promise<LocalApi> {
  const requests: LocalApi['requests'] = [];
  const api = await listen((req, res, base) => {
    const url = new URL(req.url ?? '/', base);
    const send = (status: number, body: string, type = 'application/json') => {
      requests.push({ path: url.pathname + url.search, authorization: req.headers['job-token'] as string, status });
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    if (req.headers['job-token'] !== opts.jobToken) return send(401, '{"message":"401 Unauthorized"}');
    const match = /^\/api\/v4\/projects\/([^/]+)\/jobs\/artifacts\/([^/]+)\/raw\/(.+)$/.exec(url.pathname);
    if (!match || decodeURIComponent(match[1] ?? '') !== opts.projectId)
      return send(404, '{"message":"404 Project Not Found"}');
    const key = `${decodeURIComponent(match[2] ?? '')} ${url.searchParams.get('job') ?? ''} ${decodeURIComponent(match[3] ?? '')}`;
    const text = opts.files[key];
    if (text === undefined) return send(404, '{"message":"404 Not Found"}');
    return send(200, text, 'application/octet-stream');
  });
  return { url: `${api.base}/api/v4`, requests, close: api.close };
}
