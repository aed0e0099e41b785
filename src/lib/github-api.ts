import { httpClient, joinUrl, type HttpClient, type HttpFailure } from './http.js';
import { HttpError, type RetryPolicy } from './retry.js';

/** The REST API version every call asks for: written here once. */
export const GITHUB_API_VERSION = '2022-11-28';

export interface GitHubApiOptions {
  /** GITHUB_API_URL: https://api.github.com, or a GitHub Enterprise Server's /api/v3. */
  apiUrl: string;
  token: string;
  retry: RetryPolicy;
  timeoutMs: number;
}

export interface GitHubCall {
  /** Sent as JSON. */
  json?: unknown;
  /** One line for a failure in this call's words; undefined: GitHub's own message. */
  describe?: (failure: HttpFailure) => string | undefined;
}

/** GitHub REST: the token bound to the API's origin, the API version, Accept, and paging by `Link`. */
export interface GitHubApi {
  /** One call: a path under the API URL (`/repos/o/r/issues`); the answer's JSON. */
  request(method: string, path: string, call?: GitHubCall): Promise<unknown>;
  /** Every item of a listing, page by page as `Link: rel="next"` says, at most `maxPages` pages. */
  paginate(
    path: string,
    page: GitHubCall & { maxPages: number; items?: (body: unknown) => unknown },
  ): Promise<unknown[]>;
  /**
   * A download behind a redirect (an artifact's zip on blob storage): the token goes to GitHub only, the redirect
   * is followed without it.
   */
  download(path: string, limits: { maxBytes: number }): Promise<Buffer>;
  /**
   * The login this token writes as (issues and comments show it as their author): `GET /user` for a person's
   * token; an app's installation token — the job token is one, `github-actions[bot]` — may not read /user, and
   * GraphQL's `viewer` says it.
   */
  viewerLogin(): Promise<string>;
}

/**
 * Whether an issue's or comment's author (REST's `user`) is the login the token writes as. GraphQL may name a bot
 * without REST's `[bot]` ending; only an account of type Bot matches that way (a person's login has no `[`).
 */
export function isAuthor(user: unknown, login: string): boolean {
  const author = user as { login?: unknown; type?: unknown } | null | undefined;
  if (typeof author?.login !== 'string') return false;
  const name = author.login.toLowerCase();
  const wanted = login.toLowerCase();
  return name === wanted || (author.type === 'Bot' && name === `${wanted}[bot]`);
}

/** GraphQL beside REST: https://api.github.com/graphql, or a GitHub Enterprise Server's /api/graphql. */
export function graphqlUrl(apiUrl: string): string {
  const base = apiUrl.replace(/\/+$/, '');
  return /\/api\/v3$/.test(base) ? `${base.slice(0, -'/v3'.length)}/graphql` : `${base}/graphql`;
}

/** GitHub's error answer in its own words, as Octokit says it: message, errors, documentation. */
export function gitHubMessage(failure: HttpFailure): string {
  let body: { message?: unknown; errors?: unknown; documentation_url?: unknown } = {};
  try {
    body = JSON.parse(failure.body) as typeof body;
  } catch {
    // not JSON: a proxy's page
  }
  if (typeof body.message !== 'string') return `GitHub answered ${failure.status}`;
  const errors = Array.isArray(body.errors) ? `: ${body.errors.map((e) => JSON.stringify(e)).join(', ')}` : '';
  const docs = typeof body.documentation_url === 'string' ? ` - ${body.documentation_url}` : '';
  return `${body.message}${errors}${docs}`;
}

/** `<https://api.github.com/…&page=2>; rel="next"` → that URL. */
export function nextLink(link: string | null): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

export function gitHubApi(options: GitHubApiOptions): GitHubApi {
  const http: HttpClient = httpClient({
    service: 'GitHub',
    credential: { origin: options.apiUrl, headers: { Authorization: `Bearer ${options.token}` } },
    retry: options.retry,
    timeoutMs: options.timeoutMs,
  });
  const headers = { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': GITHUB_API_VERSION };
  const url = (path: string) => joinUrl(options.apiUrl, path);
  const send = (method: string, target: string, call: GitHubCall = {}) =>
    http.send({
      method,
      url: target,
      headers,
      json: call.json,
      describe: (failure) => call.describe?.(failure) ?? gitHubMessage(failure),
    });
  return {
    async request(method, path, call) {
      return (await send(method, url(path), call)).json();
    },
    async paginate(path, page) {
      const found: unknown[] = [];
      let next: string | undefined = url(path);
      for (let n = 0; next !== undefined && n < page.maxPages; n += 1) {
        // A `Link` to another host is refused by the client: the token goes to the API's origin only.
        const answer = await send('GET', next, page);
        const items = page.items ? page.items(answer.json()) : answer.json();
        if (Array.isArray(items)) found.push(...(items as unknown[]));
        next = nextLink(answer.headers.get('link'));
      }
      return found;
    },
    async download(path, limits) {
      const answer = await http.send({ url: url(path), headers, followRedirects: true, maxBytes: limits.maxBytes });
      return answer.body;
    },
    async viewerLogin() {
      const describe = (failure: HttpFailure) => gitHubMessage(failure);
      const user = await http.send({ url: url('/user'), headers, accept: [403], describe });
      const login = (user.json() as { login?: unknown }).login;
      if (user.status === 200 && typeof login === 'string' && login !== '') return login;
      const query = { query: '{ viewer { login } }' };
      const answer = await http.send({
        method: 'POST',
        url: graphqlUrl(options.apiUrl),
        headers,
        json: query,
        describe,
      });
      const viewer = (answer.json() as { data?: { viewer?: { login?: unknown } } }).data?.viewer?.login;
      if (typeof viewer !== 'string' || viewer === '') throw new HttpError('GitHub did not say who the token is', 200);
      return viewer;
    },
  };
}
