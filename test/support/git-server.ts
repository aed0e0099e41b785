// A real git server on 127.0.0.1: git's own http-backend (from Debian's git package) behind a small HTTP server
// that asks for a token with Basic auth, as GitHub and GitLab do over https. Repositories are real bare repos.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface GitServer {
  url: string;
  /** Every request: path and the Authorization header it carried. */
  requests: { path: string; authorization?: string; status: number }[];
  close(): Promise<void>;
}

function cgi(req: IncomingMessage, res: ServerResponse, root: string, record: (status: number) => void): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: (req.headers['git-protocol'] as string | undefined) ?? '',
      REMOTE_USER: 'ci',
      REMOTE_ADDR: '127.0.0.1',
    },
  });
  req.pipe(child.stdin);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.on('close', () => {
    const out = Buffer.concat(chunks);
    const split = out.indexOf('\r\n\r\n');
    const head = out.subarray(0, split).toString('utf8');
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head.split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else if (name) headers[name] = value;
    }
    record(status);
    res.writeHead(status, headers).end(out.subarray(split + 4));
  });
}

/**
 * Serves every bare repository under `root`; with a token, only requests carrying it as Basic auth. `redirectTo`:
 * every request is answered 302 to the same path there, as a moved repository (or a hostile server) answers.
 */
export async function startGitServer(opts: { root: string; token?: string; redirectTo?: string }): Promise<GitServer> {
  const requests: GitServer['requests'] = [];
  const server = createServer((req, res) => {
    const record = (status: number) =>
      requests.push({ path: req.url ?? '', authorization: req.headers.authorization, status });
    if (opts.redirectTo) {
      record(302);
      res.writeHead(302, { location: `${opts.redirectTo}${req.url ?? '/'}` }).end();
      return;
    }
    if (opts.token) {
      const given = req.headers.authorization?.replace(/^Basic /, '');
      const password = given ? Buffer.from(given, 'base64').toString('utf8').split(':').slice(1).join(':') : '';
      if (password !== opts.token) {
        record(401);
        res
          .writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'content-type': 'text/plain' })
          .end('HTTP Basic: Access denied\n');
        return;
      }
    }
    cgi(req, res, opts.root, record);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A TCP port that accepts connections and never answers: a server that hangs. */
export async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: import('node:net').Socket[] = [];
  const server = createTcpServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A bare repository made from commits of files; each commit can be tagged or start a branch. Returns commit ids. */
export function makeRepo(
  root: string,
  name: string,
  commits: { files: Record<string, string>; links?: Record<string, string>; tag?: string; branch?: string }[],
): string[] {
  const work = mkdtempSync(path.join(tmpdir(), 'vg-gitwork-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: work,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: work,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Security team',
        GIT_AUTHOR_EMAIL: 'security@example.com',
        GIT_COMMITTER_NAME: 'Security team',
        GIT_COMMITTER_EMAIL: 'security@example.com',
      },
    }).trim();
  git('init', '-q', '-b', 'main');
  const ids: string[] = [];
  for (const commit of commits) {
    if (commit.branch) git('checkout', '-q', '-b', commit.branch);
    for (const [file, text] of Object.entries(commit.files)) {
      mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      writeFileSync(path.join(work, file), text);
    }
    // Symbolic links, committed as git stores them: a checkout makes them links again.
    for (const [file, target] of Object.entries(commit.links ?? {})) {
      mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      symlinkSync(target, path.join(work, file));
    }
    git('add', '-A');
    git('commit', '-qm', `profiles ${ids.length + 1}`);
    ids.push(git('rev-parse', 'HEAD'));
    if (commit.tag) git('tag', commit.tag);
  }
  git('checkout', '-q', 'main');
  const bare = path.join(root, `${name}.git`);
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  // As GitHub allows: a commit id can be fetched by itself.
  execFileSync('git', ['-C', bare, 'config', 'uploadpack.allowReachableSHA1InWant', 'true']);
  return ids;
}
