// GitHub REST in one place: the API version and Accept on every call, the token bound to the API's origin, pages
// followed by `Link`, and GitHub's error texts as Octokit said them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CredentialOriginError } from '../../src/lib/http.js';
import { GITHUB_API_VERSION, gitHubApi, nextLink } from '../../src/lib/github-api.js';
import { listen, type Listening } from '../../test/support/local-http.ts';
import { fastRetry } from '../../test/support/retry.ts';

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(handler: (req: IncomingMessage, res: ServerResponse, base: string) => void) {
  const seen: IncomingMessage[] = [];
  let base = '';
  const listening = await listen((req, _body, res) => {
    seen.push(req);
    handler(req, res, base);
  });
  base = listening.url;
  servers.push(listening);
  return Object.assign(listening, { seen });
}

const api = (apiUrl: string) => gitHubApi({ apiUrl, token: 'ghs_token', retry: fastRetry(2), timeoutMs: 2000 });

test('every call carries the token, the API version and GitHub’s media type', async () => {
  const github = await server((_req, res) => res.writeHead(200).end('{"id":1}'));
  expect(await api(`${github.url}/`).request('POST', '/repos/o/r/issues', { json: { title: 't' } })).toEqual({ id: 1 });
  const [req] = github.seen;
  expect(req!.url).toBe('/repos/o/r/issues');
  expect(req!.headers.authorization).toBe('Bearer ghs_token');
  expect(req!.headers['x-github-api-version']).toBe(GITHUB_API_VERSION);
  expect(req!.headers.accept).toBe('application/vnd.github+json');
  expect(req!.headers['content-type']).toBe('application/json');
});

test('pages are followed by Link until there is no next one, within the page limit', async () => {
  const github = await server((req, res, base) => {
    const page = Number(new URL(req.url ?? '/', base).searchParams.get('page') ?? 1);
    const link =
      page < 3 ? { link: `<${base}/items?page=${page + 1}>; rel="next", <${base}/items?page=3>; rel="last"` } : {};
    res.writeHead(200, link).end(JSON.stringify({ items: [page] }));
  });
  const items = (body: unknown) => (body as { items: number[] }).items;
  expect(await api(github.url).paginate('/items?page=1', { maxPages: 10, items })).toEqual([1, 2, 3]);
  expect(await api(github.url).paginate('/items?page=1', { maxPages: 2, items })).toEqual([1, 2]);
});

test('a Link to another host is refused: the token is never sent there', async () => {
  const elsewhere = await server((_req, res) => res.writeHead(200).end('[]'));
  const github = await server((_req, res) =>
    res.writeHead(200, { link: `<${elsewhere.url}/p2>; rel="next"` }).end('[1]'),
  );
  await expect(api(github.url).paginate('/items', { maxPages: 5 })).rejects.toThrow(CredentialOriginError);
  expect(elsewhere.seen).toEqual([]);
});

test('a download behind a redirect is fetched from storage without the token', async () => {
  const blob = await server((req, res) => res.writeHead(req.headers.authorization ? 400 : 200).end('PK zip'));
  const github = await server((_req, res) => res.writeHead(302, { location: `${blob.url}/blob/1.zip?sig=x` }).end());
  expect((await api(github.url).download('/repos/o/r/actions/artifacts/1/zip', { maxBytes: 100 })).toString()).toBe(
    'PK zip',
  );
  expect(github.seen[0]!.headers.authorization).toBe('Bearer ghs_token');
  expect(blob.seen[0]!.headers.authorization).toBeUndefined();
});

test('errors in GitHub’s words, as Octokit said them', async () => {
  const github = await server((_req, res) =>
    res.writeHead(422).end(
      JSON.stringify({
        message: 'Invalid request.',
        errors: ['ref is not a valid ref'],
        documentation_url: 'https://docs',
      }),
    ),
  );
  await expect(api(github.url).request('GET', '/x')).rejects.toMatchObject({
    status: 422,
    message: 'Invalid request.: "ref is not a valid ref" - https://docs',
  });
});

test('Link headers as GitHub writes them', () => {
  expect(nextLink('<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=9>; rel="last"')).toBe(
    'https://api.github.com/x?page=2',
  );
  expect(nextLink('<https://api.github.com/x?page=1>; rel="prev"')).toBeUndefined();
  expect(nextLink(null)).toBeUndefined();
});
