// Another origin: where a hostile answer (a redirect, a listing, a tampered spool entry) points. It records every
// request with all its headers and answers like a willing server, so a test can show that no credential reached it —
// and that a test that forgot to check would see one.
import type { IncomingHttpHeaders } from 'node:http';
import { listen, type Listening } from './local-http.ts';

export interface Elsewhere extends Listening {
  requests: { method: string; path: string; headers: IncomingHttpHeaders; body: string }[];
  /** Every header value and body it was sent, for `not.toContain(secret)`. */
  seen(): string;
}

export async function startElsewhere(answer: { status?: number; body?: string } = {}): Promise<Elsewhere> {
  const requests: Elsewhere['requests'] = [];
  const server = await listen((req, body, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(answer.body ?? '{}');
  });
  return Object.assign(server, {
    requests,
    seen: () => requests.map((r) => `${r.method} ${r.path}\n${JSON.stringify(r.headers)}\n${r.body}`).join('\n'),
  });
}

/** Credential headers of the requests another origin got: what must stay empty. */
export function credentialsSeen(elsewhere: Elsewhere): string[] {
  const names = ['authorization', 'private-token', 'job-token', 'cookie', 'proxy-authorization'];
  return elsewhere.requests.flatMap((r) =>
    names.flatMap((n) => (r.headers[n] ? [`${n}: ${String(r.headers[n])}`] : [])),
  );
}
