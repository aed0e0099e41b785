/** Backoff delays in ms for retried requests; tests pass short ones. */
export interface RetryPolicy {
  delaysMs: number[];
}

export const DEFAULT_RETRY: RetryPolicy = { delaysMs: [1000, 3000, 9000] };

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** HTTP status of an Octokit RequestError, or undefined for network errors and other values. */
export function httpStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Retries 5xx answers and network errors with the policy's delays; other errors are thrown at once. */
export async function withRetry<T>(policy: RetryPolicy, attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i += 1) {
    try {
      return await attempt();
    } catch (err) {
      const status = httpStatus(err);
      const retryable = status === undefined || status >= 500;
      const delay = policy.delaysMs[i];
      if (!retryable || delay === undefined) throw err;
      await sleep(delay);
    }
  }
}
