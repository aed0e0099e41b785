// The one HTTP client against local servers that behave like hostile or ordinary ones: credentials stay on their
// origin, redirects never carry them, answers are bounded in time and size, and echoed secrets are redacted.
import { mkdtempSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CredentialOriginError, httpClient, NoAnswerError, type HttpClientOptions } from '../../src/lib/http.js';
import { HttpError } from '../../src/lib/retry.js';
import { listen, type Listening } from '../../test/support/local-http.ts';
import { fastRetry } from '../../test/support/retry.ts';

type Seen = { method: string; url: string; headers: IncomingMessage['headers'] };
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server that records what it was sent and answers with `handler`. */
async function server(handler: Handler): Promise<Listening & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const listening = await listen((req, body, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, body, res);
  });
  servers.push(listening);
  return Object.assign(listening, { seen });
}

const ok: Handler = (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":1}');
const TOKEN = 'glpat-secret-token-123';

function client(origin: string, extra: Partial<HttpClientOptions> = {}) {
  return httpClient({
    service: 'GitLab',
    credential: { origin, headers: { 'PRIVATE-TOKEN': TOKEN } },
    retry: fastRetry(3),
    timeoutMs: 2000,
    ...extra,
  });
}

describe('a credential goes to its own origin only', () => {
  test('a request to another origin is refused before anything is sent', async () => {
    const own = await server(ok);
    const other = await server(ok);
    await expect(client(own.url).send({ url: `${other.url}/api` })).rejects.toThrow(CredentialOriginError);
    await expect(client(own.url).send({ url: `${other.url}/api` })).rejects.toThrow(
      `refused to send the credential for ${own.url} to ${other.url}: it goes to its own origin only`,
    );
    expect(other.seen).toEqual([]);
    expect((await client(own.url).send({ url: `${own.url}/api` })).json()).toEqual({ ok: 1 });
    expect(own.seen[0]!.headers['private-token']).toBe(TOKEN);
  });

  test('the same host on another port or scheme is another origin', async () => {
    const own = await server(ok);
    const port = Number(new URL(own.url).port);
    await expect(client(own.url).send({ url: `http://127.0.0.1:${port + 1}/` })).rejects.toThrow(CredentialOriginError);
    await expect(client(own.url).send({ url: `https://127.0.0.1:${port}/` })).rejects.toThrow(CredentialOriginError);
  });

  test('a credential header given with one request is refused: credentials come with their origin', async () => {
    const own = await server(ok);
    const plain = httpClient({ service: 'Slack', retry: fastRetry(1), timeoutMs: 2000 });
    await expect(plain.send({ url: own.url, headers: { Authorization: 'Bearer x' } })).rejects.toThrow(
      'the Authorization header is a credential: give it to the client with its origin',
    );
    expect(own.seen).toEqual([]);
  });
});

describe('redirects', () => {
  test('a redirect from a credentialed request is not followed: an error naming the status and where it pointed', async () => {
    const elsewhere = await server(ok);
    const own = await server((_req, _body, res) => res.writeHead(302, { location: `${elsewhere.url}/steal` }).end());
    const failed = client(own.url).send({ url: `${own.url}/api` });
    await expect(failed).rejects.toThrow(HttpError);
    await expect(client(own.url).send({ url: `${own.url}/api` })).rejects.toThrow(
      `GitLab answered 302, a redirect to ${elsewhere.url}; it was not followed`,
    );
    expect(elsewhere.seen).toEqual([]);
    // Not retried: a redirect is an answer, not an outage.
    expect(own.seen).toHaveLength(2);
  });

  test('followed when the caller opts in, and without any credential after the first hop', async () => {
    const blob = await server((_req, _body, res) => res.writeHead(200).end('zip bytes'));
    const own = await server((_req, _body, res) => res.writeHead(302, { location: `${blob.url}/blob/1.zip` }).end());
    const answer = await client(own.url).send({ url: `${own.url}/zip`, followRedirects: true });
    expect(answer.text()).toBe('zip bytes');
    expect(answer.url).toBe(`${blob.url}/blob/1.zip`);
    expect(own.seen[0]!.headers['private-token']).toBe(TOKEN);
    expect(blob.seen[0]!.headers['private-token']).toBeUndefined();
    expect(blob.seen[0]!.headers.authorization).toBeUndefined();
  });

  test('a redirect back to the own origin does not get the credential back either', async () => {
    let hops = 0;
    const own = await server((_req, _body, res) => {
      hops += 1;
      if (hops === 1) res.writeHead(307, { location: '/again' }).end();
      else ok(_req, _body, res);
    });
    await client(own.url).send({ url: `${own.url}/start`, followRedirects: true });
    expect(own.seen.map((s) => [s.url, s.headers['private-token']])).toEqual([
      ['/start', TOKEN],
      ['/again', undefined],
    ]);
  });

  test('a redirect of a POST is never followed, even when asked', async () => {
    const own = await server((_req, _body, res) => res.writeHead(302, { location: '/login' }).end());
    await expect(
      client(own.url).send({ method: 'POST', url: own.url, json: {}, followRedirects: true }),
    ).rejects.toThrow('GitLab answered 302, a redirect to');
    expect(own.seen).toHaveLength(1);
  });
});

describe('retries and time', () => {
  test('429 waits as long as Retry-After says; 5xx is retried; then the answer', async () => {
    const answers = [
      [429, { 'retry-after': '1' }],
      [503, {}],
    ] as const;
    const own = await server((req, body, res) => {
      const next = answers[own.seen.length - 1];
      if (next) res.writeHead(next[0], next[1]).end('busy');
      else ok(req, body, res);
    });
    const started = Date.now();
    const answer = await client(own.url).send({ url: own.url });
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(own.seen).toHaveLength(3);
  });

  test('a 4xx is not retried and is said in the service’s words', async () => {
    const own = await server((_req, _body, res) => res.writeHead(404).end('{"message":"404 Not Found"}'));
    await expect(client(own.url).send({ url: own.url })).rejects.toThrow(
      'GitLab answered 404: {"message":"404 Not Found"}',
    );
    await expect(
      client(own.url).send({ url: own.url, describe: (f) => `no such project (${f.status})` }),
    ).rejects.toThrow('no such project (404)');
    expect(own.seen).toHaveLength(2);
  });

  test('a status the caller handles is an answer', async () => {
    const own = await server((_req, _body, res) => res.writeHead(404).end('nothing yet'));
    const answer = await client(own.url).send({ url: own.url, accept: [404] });
    expect([answer.status, answer.text()]).toEqual([404, 'nothing yet']);
  });

  test('a server that never answers: a timeout, retried, then one line saying how long it waited', async () => {
    const own = await server(() => undefined);
    const hung = client(own.url, { timeoutMs: 200, retry: fastRetry(2) }).send({ url: own.url });
    await expect(hung).rejects.toThrow(NoAnswerError);
    await expect(hung).rejects.toThrow('GitLab did not answer within 0.2 s');
    expect(own.seen).toHaveLength(2);
  });

  test('nothing listening: no answer, with the reason', async () => {
    const own = await server(ok);
    await own.close();
    servers.splice(servers.indexOf(own), 1);
    const down = client(own.url, { retry: fastRetry(1) }).send({ url: own.url });
    await expect(down).rejects.toThrow(/^GitLab did not answer: fetch failed \(ECONNREFUSED\)$/);
  });

  test('an answer larger than allowed is refused', async () => {
    const own = await server((_req, _body, res) => res.writeHead(200).end('x'.repeat(5000)));
    await expect(client(own.url).send({ url: own.url, maxBytes: 1000 })).rejects.toThrow(
      "GitLab's answer is larger than 1000 bytes",
    );
  });

  test('a download streams into a file', async () => {
    const own = await server((_req, _body, res) => res.writeHead(200).end('archive'));
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'vg-http-')), 'a.tar.gz');
    await httpClient({ service: 'GitHub', retry: fastRetry(1), timeoutMs: 2000 }).download({ url: own.url }, file);
    expect(readFileSync(file, 'utf8')).toBe('archive');
  });
});

describe('what a server echoes of a secret is redacted', () => {
  /** Answers 400 quoting every request header, as some proxies and Jira do. */
  const echo: Handler = (req, _body, res) =>
    res.writeHead(400).end(`bad request: ${JSON.stringify(req.headers)} at ${req.url ?? ''}`);

  test('raw, URL-encoded, Bearer and Basic (base64 of user:token, and the pair decoded) forms', async () => {
    expect.hasAssertions();
    const own = await server(echo);
    const token = 'jira/api+token=42';
    const basic = `Basic ${Buffer.from(`bot@acme.example:${token}`).toString('base64')}`;
    const jira = httpClient({
      service: 'Jira',
      credential: { origin: own.url, headers: { Authorization: basic } },
      secrets: [token],
      retry: fastRetry(1),
      timeoutMs: 2000,
    });
    const failed = jira.send({
      url: `${own.url}/search?q=${encodeURIComponent(token)}&pair=bot@acme.example:${token}`,
    });
    const message = await failed.then(
      () => '',
      (err: unknown) => (err as Error).message,
    );
    expect(message).toMatch(/^Jira answered 400: bad request/);
    for (const form of [token, encodeURIComponent(token), basic.slice(6), `bot@acme.example:${token}`])
      expect(message).not.toContain(form);
    expect(message).toContain('***');
  });

  test('a secret URL (a webhook): its path and its long path segments, in whatever form they come back', async () => {
    const hook = '/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX';
    const own = await server((req, _body, res) =>
      res.writeHead(404).end(`no_service for ${req.url ?? ''} (token XXXXXXXXXXXXXXXXXXXXXXXX)`),
    );
    const slack = httpClient({
      service: 'Slack',
      secrets: [`${own.url}${hook}`],
      retry: fastRetry(1),
      timeoutMs: 2000,
    });
    const message = await slack.send({ method: 'POST', url: `${own.url}${hook}`, json: {} }).then(
      () => '',
      (err: unknown) => (err as Error).message,
    );
    expect(message).toBe('Slack answered 404: no_service for *** (token ***)');
  });
});
