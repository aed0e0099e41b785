import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { Agent } from 'undici';
import { describeError } from '../core/errors.js';
import { withoutTrailingSlashes } from '../core/text.js';
import { redact } from './redact.js';
import { HttpError, parseRetryAfter, retry, type RetryPolicy } from './retry.js';

/**
 * The one HTTP client: every request vulngate makes goes through it, so the rules that keep credentials where they
 * belong are written once. A credential is bound to one origin (scheme, host, port) and refused anywhere else; a
 * redirect is never followed with it; every answer is bounded in time; 429 and 5xx are retried with the one retry
 * helper; and whatever a server echoes of a secret is redacted from the error texts.
 */

/** A credential and the one origin it may go to. */
export interface Credential {
  /** A URL of the service: only requests to its origin carry the credential. */
  origin: string;
  /** The headers that carry it: Authorization, PRIVATE-TOKEN, JOB-TOKEN. */
  headers: Record<string, string>;
}

export interface HttpClientOptions {
  /** The service's name in error texts: `GitHub answered 503`, `DefectDojo did not answer: …`. */
  service: string;
  credential?: Credential;
  /** More secrets to redact from error texts: a webhook URL (its path is the secret), a raw token. */
  secrets?: readonly (string | undefined)[];
  /** For each request, the answer's body included. */
  timeoutMs: number;
  retry: RetryPolicy;
  /** A private CA (PEM) the service's certificate is checked against; a client certificate (the Kubernetes API). */
  tls?: { ca?: string; cert?: string; key?: string };
}

/** An answer that is not a success, for `describe`. */
export interface HttpFailure {
  status: number;
  /** `Not Found`: what the server says with the status (HTTP/1 only). */
  statusText: string;
  body: string;
  headers: Headers;
  /** A redirect that was not followed: the origin it pointed to ('' when it named none). */
  redirectTo?: string;
}

export interface HttpRequest {
  method?: string;
  url: string | URL;
  /** Headers other than credentials: those are given to the client with their origin. */
  headers?: Record<string, string>;
  /** Sent as JSON, with its Content-Type. */
  json?: unknown;
  /** Any other body: a multipart form, text. */
  body?: FormData | string;
  /** Opt in: redirects of a GET are followed, and no credential is sent after the first (GitHub's artifact zip). */
  followRedirects?: boolean;
  /** Statuses that are an answer here, not a failure (404: there is nothing yet). */
  accept?: readonly number[];
  /**
   * One line for an answer that is not a success, in the service's words (a redirect that was not followed
   * included); redacted before it is thrown. Undefined: the client's own line.
   */
  describe?: (failure: HttpFailure) => string | undefined;
  /** Only this many bytes of an answer are read; a longer one is an error. */
  maxBytes?: number;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Where the answer came from, after redirects. */
  url: string;
  body: Buffer;
  text(): string;
  /** The body as JSON; an empty body is `{}`. */
  json(): unknown;
}

/** Headers that carry credentials: they reach a request only through the client's bound credential. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'private-token', 'job-token']);
const MAX_REDIRECTS = 5;

/** A credential asked to go to another origin: refused before anything is sent. */
export class CredentialOriginError extends Error {
  override readonly name = 'CredentialOriginError';
}

/** No answer: the connection failed or the time ran out. Retried, like a 5xx. */
export class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';
}

/** `https://host:port` of a URL; '' for one that cannot be read. */
export function originOf(url: string | URL, base?: string | URL): string {
  try {
    return new URL(url, base).origin;
  } catch {
    return '';
  }
}

/** A URL with its trailing slashes trimmed, so a path can be appended: `https://dojo/` + `/api` → `https://dojo/api`. */
export function joinUrl(base: string, path: string): string {
  return `${withoutTrailingSlashes(base)}${path}`;
}

/** `<service> answered 503: …`; for a redirect, where it pointed and that it was not followed. */
export function defaultDescribe(service: string, failure: HttpFailure): string {
  if (failure.redirectTo !== undefined) {
    const where = failure.redirectTo ? ` to ${failure.redirectTo}` : '';
    return `${service} answered ${failure.status}, a redirect${where}; it was not followed`;
  }
  const detail = failure.body.trim().slice(0, 200);
  return `${service} answered ${failure.status}${detail ? `: ${detail}` : ''}`;
}

/** An error's message, also for errors of another realm (fetch's own, seen from a test's VM). */
function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? (message.split('\n')[0] ?? '') : describeError(err);
}

/** What fetch says was underneath `fetch failed`: ECONNREFUSED, ENOTFOUND, a TLS error. */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause === undefined || cause === null) return '';
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' ? code : messageOf(cause);
}

/** `DefectDojo did not answer: fetch failed (ECONNREFUSED)`; a timeout says how long it waited. */
function noAnswerText(service: string, err: unknown, timeoutMs: number): string {
  if ((err as { name?: unknown } | null)?.name === 'TimeoutError') {
    return `${service} did not answer within ${timeoutMs / 1000} s`;
  }
  const cause = causeOf(err);
  return `${service} did not answer: ${messageOf(err)}${cause ? ` (${cause})` : ''}`;
}

async function readBounded(response: Response, maxBytes: number | undefined, service: string): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of Readable.fromWeb(response.body as ReadableStream<Uint8Array>)) {
    size += (chunk as Buffer).length;
    if (maxBytes !== undefined && size > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw new HttpError(`${service}'s answer is larger than ${maxBytes} bytes`, response.status);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The body as JSON; an empty body is `{}`. JSON.parse's own error quotes the text around the fault, which may be an
 * echo of the request: the error says only that it is not JSON.
 */
function parseJson(body: Buffer, service: string, status: number): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(`${service} answered ${status} with a body that is not JSON`, status);
  }
}

export class HttpClient {
  private readonly origin: string | undefined;
  private readonly dispatcher: Agent | undefined;

  constructor(private readonly options: HttpClientOptions) {
    this.origin = options.credential ? originOf(options.credential.origin) : undefined;
    // Only this client trusts the CA it was given: never the process, never another service.
    this.dispatcher = options.tls ? new Agent({ connect: { ...options.tls } }) : undefined;
    if (this.origin === '') throw new CredentialOriginError('a credential needs the URL of the one origin it is for');
  }

  /** Every form of the client's secrets replaced by `***`. */
  redact(text: string): string {
    return redact(text, [...Object.values(this.options.credential?.headers ?? {}), ...(this.options.secrets ?? [])]);
  }

  /** One request, retried on 429, 5xx and no answer; anything else that is not a success is an HttpError. */
  send(req: HttpRequest): Promise<HttpAnswer> {
    return this.exchange(req, async (response, url) => {
      const body = await readBounded(response, req.maxBytes, this.options.service);
      return {
        status: response.status,
        headers: response.headers,
        url,
        body,
        text: () => body.toString('utf8'),
        json: () => parseJson(body, this.options.service, response.status),
      };
    });
  }

  /** The answer's body streamed into a file (a release archive): never held in memory. */
  async download(req: HttpRequest, file: string): Promise<void> {
    await this.exchange(req, async (response) => {
      if (!response.body) {
        throw new HttpError(`${this.options.service} answered ${response.status} without a body`, response.status);
      }
      let size = 0;
      const bound = new Transform({
        transform: (chunk: Buffer, _encoding, done) => {
          size += chunk.length;
          if (req.maxBytes !== undefined && size > req.maxBytes) {
            done(
              new HttpError(`${this.options.service}'s answer is larger than ${req.maxBytes} bytes`, response.status),
            );
          } else done(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(response.body as ReadableStream<Uint8Array>), bound, createWriteStream(file));
    });
  }

  private async exchange<T>(req: HttpRequest, read: (response: Response, url: string) => Promise<T>): Promise<T> {
    const url = new URL(req.url);
    const credentialed = this.options.credential !== undefined;
    for (const name of Object.keys(req.headers ?? {})) {
      if (CREDENTIAL_HEADERS.has(name.toLowerCase()))
        throw new CredentialOriginError(`the ${name} header is a credential: give it to the client with its origin`);
    }
    if (credentialed && url.origin !== this.origin) {
      const to = this.redact(url.origin);
      throw new CredentialOriginError(
        `refused to send the credential for ${this.origin} to ${to}: it goes to its own origin only`,
      );
    }
    return retry(this.options.retry, () => this.attempt(req, url, credentialed, read));
  }

  private async attempt<T>(
    req: HttpRequest,
    start: URL,
    credentialed: boolean,
    read: (response: Response, url: string) => Promise<T>,
  ): Promise<T> {
    let url = start;
    let withCredential = credentialed;
    for (let hops = 0; ; hops += 1) {
      const response = await this.fetchOnce(req, url, withCredential);
      const location = response.headers.get('location');
      const redirect = response.status >= 300 && response.status < 400 && location !== null;
      const method = (req.method ?? 'GET').toUpperCase();
      if (redirect && req.followRedirects && hops < MAX_REDIRECTS && (method === 'GET' || method === 'HEAD')) {
        await response.body?.cancel().catch(() => undefined);
        url = new URL(location, url);
        // After a redirect, never a credential: the next host is whoever the answer named.
        withCredential = false;
        continue;
      }
      if (!redirect && (response.ok || req.accept?.includes(response.status))) {
        try {
          return await read(response, url.href);
        } catch (err) {
          if (err instanceof HttpError) throw new HttpError(this.redact(err.message), err.status);
          // A file that cannot be written is not the server's fault; a body cut off or too slow is.
          if ((err as { syscall?: unknown } | null)?.syscall !== undefined) throw err;
          throw this.noAnswer(err);
        }
      }
      throw await this.failure(req, response, redirect ? originOf(location ?? '', url) : undefined);
    }
  }

  private async fetchOnce(req: HttpRequest, url: URL, withCredential: boolean): Promise<Response> {
    const headers: Record<string, string> = {
      ...req.headers,
      ...(req.json === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(withCredential ? this.options.credential?.headers : {}),
    };
    try {
      return await fetch(url, {
        method: req.method ?? 'GET',
        headers,
        body: req.json === undefined ? req.body : JSON.stringify(req.json),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      } as RequestInit);
    } catch (err) {
      throw this.noAnswer(err);
    }
  }

  private noAnswer(err: unknown): NoAnswerError {
    return new NoAnswerError(this.redact(noAnswerText(this.options.service, err, this.options.timeoutMs)));
  }

  private async failure(req: HttpRequest, response: Response, redirectTo: string | undefined): Promise<HttpError> {
    let body = '';
    try {
      body = (await readBounded(response, 64 * 1024, this.options.service)).toString('utf8');
    } catch {
      // An error page too long or cut off: described by its status alone.
    }
    const { status, statusText, headers } = response;
    const failure: HttpFailure = { status, statusText, body, headers, redirectTo };
    const message = req.describe?.(failure) ?? defaultDescribe(this.options.service, failure);
    const after = parseRetryAfter(response.headers.get('retry-after'), Date.now());
    return new HttpError(this.redact(message), response.status, after);
  }
}

/** A client with these options. */
export function httpClient(options: HttpClientOptions): HttpClient {
  return new HttpClient(options);
}
