import { httpClient } from '../lib/http.js';
import type { RetryPolicy } from '../lib/retry.js';
import type { FeedDownload } from './load.js';

/** Plain http is for a mirror on this machine only; the public feeds are https. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The KEV and EPSS feeds through the one client: public files, so no credential is bound and redirects (mirrors,
 * CDNs) are followed; bounded in size (the real files are a few MB).
 */
export function feedDownloader(args: { retry: RetryPolicy; timeoutMs: number }): FeedDownload {
  const client = httpClient({ service: 'feed', timeoutMs: args.timeoutMs, retry: args.retry });
  return async (source) => {
    const url = new URL(source);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new Error(`${url.origin}: only https (or http to a loopback host) is fetched`);
    }
    const answer = await client.send({ url, followRedirects: true, maxBytes: 128 * 1024 * 1024 });
    return answer.body;
  };
}
