/**
 * The one retry helper: exponential backoff with jitter, the server's Retry-After honoured, and a bound on the
 * total time so a dead receiver never holds a CI job for long. Every adapter that talks to a network uses it.
 */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** Delay before the second attempt; doubled for each one after, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** No further attempt starts when its delay would end later than this after the first attempt. */
  totalMs: number;
  /** Randomize each delay within [½, 1] of itself, so parallel jobs do not retry in step. */
  jitter: boolean;
  /**
   * Told of each retry before its wait, unless the call has an onRetry of its own: the run announces them ("DefectDojo
   * answered 503; retrying in 4 s, attempt 2 of 4"), so a slow receiver is never silent.
   */
  announce?: (info: { attempt: number; attempts: number; delayMs: number; error: unknown }) => void;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  totalMs: 120_000,
  jitter: true,
};

/** One attempt, no retry: for calls that are retried by a loop of their own, or not at all. */
export const ONE_ATTEMPT: RetryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, totalMs: 0, jitter: false };

/** A failure worth another attempt; `retryAfterMs` is what the server asked for. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** An HTTP answer that is not a success, from fetch-based adapters. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface RetryDecision {
  retry: boolean;
  afterMs?: number;
}

export interface RetryHooks {
  /** Default: network errors, 429 and 5xx are retried; everything else is thrown at once. */
  classify?: (error: unknown) => RetryDecision;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  sleep?: (ms: number) => Promise<void>;
  clock?: () => number;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The HTTP status an error carries: Octokit's RequestError, the AWS SDK's metadata, HttpError. */
export function httpStatus(error: unknown): number | undefined {
  const e = error as { status?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  if (typeof e?.status === 'number') return e.status;
  const code = e?.$metadata?.httpStatusCode;
  return typeof code === 'number' ? code : undefined;
}

/** `Retry-After` as seconds or an HTTP date, in ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof RetryableError || error instanceof HttpError) return error.retryAfterMs;
  const headers = (error as { response?: { headers?: Record<string, unknown> } } | null)?.response?.headers;
  const value = headers?.['retry-after'];
  return typeof value === 'string' || typeof value === 'number'
    ? parseRetryAfter(String(value), Date.now())
    : undefined;
}

export function defaultClassify(error: unknown): RetryDecision {
  if (error instanceof RetryableError) return { retry: true, afterMs: error.retryAfterMs };
  const status = httpStatus(error);
  const retry = status === undefined ? !(error instanceof HttpError) : status === 429 || status >= 500;
  return { retry, afterMs: retry ? retryAfterOf(error) : undefined };
}

/** Runs `attempt` until it succeeds, the error is not retryable, or the policy is spent; then throws the last error. */
export async function retry<T>(
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
  hooks: RetryHooks = {},
): Promise<T> {
  const classify = hooks.classify ?? defaultClassify;
  const wait = hooks.sleep ?? sleep;
  const clock = hooks.clock ?? Date.now;
  const started = clock();
  for (let n = 1; ; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      const decision = classify(error);
      if (!decision.retry || n >= policy.attempts) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      const jittered = policy.jitter ? backoff * (0.5 + Math.random() / 2) : backoff;
      const delayMs = Math.round(Math.max(jittered, decision.afterMs ?? 0));
      if (clock() - started + delayMs > policy.totalMs) throw error;
      if (hooks.onRetry) hooks.onRetry({ attempt: n, delayMs, error });
      else policy.announce?.({ attempt: n + 1, attempts: policy.attempts, delayMs, error });
      await wait(delayMs);
    }
  }
}
