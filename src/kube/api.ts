import { httpClient, type HttpClient } from '../lib/http.js';
import type { RetryPolicy } from '../lib/retry.js';
import type { KubeAccess } from './kubeconfig.js';

/** An object as the API returns it: only what vulngate reads. */
export interface KubeObject {
  metadata?: {
    name?: string;
    namespace?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
  };
  spec?: unknown;
  status?: unknown;
}

/** A read the role does not allow (403) or of something gone (404): said once, never a failure. */
export type Read<T> = { ok: true; value: T } | { ok: false; status: number };

const PAGE = 500;

/**
 * The Kubernetes API through the one HTTP client: the token goes only to the API server's origin, its certificate is
 * checked against the kubeconfig's CA only, and 429/5xx are retried by the one helper.
 */
export class KubeApi {
  private readonly client: HttpClient;

  constructor(
    private readonly access: KubeAccess,
    timing: { timeoutMs: number; retry: RetryPolicy },
  ) {
    this.client = httpClient({
      service: 'the Kubernetes API',
      ...(access.token
        ? { credential: { origin: access.server, headers: { Authorization: `Bearer ${access.token}` } } }
        : {}),
      secrets: [access.token],
      tls: { ...(access.ca ? { ca: access.ca } : {}), ...(access.cert ? { cert: access.cert, key: access.key } : {}) },
      ...timing,
    });
  }

  /** One object; 403 and 404 are answers. */
  async get(path: string): Promise<Read<KubeObject>> {
    const answer = await this.client.send({ url: this.url(path), accept: [403, 404], maxBytes: 8 * 1024 * 1024 });
    return answer.status === 200
      ? { ok: true, value: answer.json() as KubeObject }
      : { ok: false, status: answer.status };
  }

  /** Every item of a list, page by page (`limit`, `continue`); 403 and 404 are answers. */
  async list(path: string, query: Record<string, string> = {}): Promise<Read<KubeObject[]>> {
    const items: KubeObject[] = [];
    let next: string | undefined;
    do {
      const url = new URL(this.url(path));
      for (const [key, value] of Object.entries({ ...query, limit: String(PAGE) })) url.searchParams.set(key, value);
      if (next) url.searchParams.set('continue', next);
      const answer = await this.client.send({ url, accept: [403, 404], maxBytes: 256 * 1024 * 1024 });
      if (answer.status !== 200) return { ok: false, status: answer.status };
      const page = answer.json() as { items?: KubeObject[]; metadata?: { continue?: string } };
      items.push(...(page.items ?? []));
      next = page.metadata?.continue || undefined;
    } while (next);
    return { ok: true, value: items };
  }

  private url(path: string): string {
    return `${this.access.server}${path}`;
  }
}

/** `/api/v1/namespaces/a%20b/pods`: every name from the API is a path segment, encoded. */
export function apiPath(strings: TemplateStringsArray, ...names: string[]): string {
  return strings.reduce(
    (out, part, i) => out + part + (i < names.length ? encodeURIComponent(names[i] ?? '') : ''),
    '',
  );
}
