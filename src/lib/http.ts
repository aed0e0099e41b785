import { HttpError, parseRetryAfter, retry, type RetryPolicy } from './retry.js';

export interface JsonRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  retry: RetryPolicy;
  timeoutMs: number;
  /** One line for an answer that is not a success: what it means for the user. */
  describe: (status: number, text: string) => string;
}

/**
 * One JSON call to a REST API through the one retry helper: 429 and 5xx retried (Retry-After honoured), anything
 * else not a success is an HttpError in the API's own words.
 */
export function requestJson(req: JsonRequest): Promise<{ json: unknown; headers: Headers }> {
  return retry(req.retry, async () => {
    const response = await fetch(req.url, {
      method: req.method,
      headers: { ...req.headers, ...(req.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) {
      const after = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      throw new HttpError(req.describe(response.status, text), response.status, after);
    }
    return { json: text ? (JSON.parse(text) as unknown) : {}, headers: response.headers };
  });
}

/**
 * A public file's bytes (the KEV and EPSS feeds): no credential is sent, so redirects are followed (mirrors and CDNs
 * redirect); 429 and 5xx retried by the one helper; plain http only to a loopback host.
 */
export function requestBytes(req: { url: string; retry: RetryPolicy; timeoutMs: number }): Promise<Buffer> {
  const url = new URL(req.url);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return Promise.reject(new Error(`${url.origin}: only https (or http to a loopback host) is fetched`));
  }
  return retry(req.retry, async () => {
    const response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(req.timeoutMs) });
    if (!response.ok) {
      const after = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      throw new HttpError(`HTTP ${response.status}`, response.status, after);
    }
    return Buffer.from(await response.arrayBuffer());
  });
}
