import type { RetryPolicy } from '../../src/lib/retry.ts';
import type { DeliveryOutcome } from '../../src/delivery/outcome.ts';

/** Retries without waiting long: `attempts` in all, delays from 5 ms doubling. */
export function fastRetry(attempts: number, baseDelayMs = 5): RetryPolicy {
  return { attempts, baseDelayMs, maxDelayMs: baseDelayMs * 8, totalMs: 60_000, jitter: false };
}

export function failedSinks(outcomes: DeliveryOutcome[]): boolean {
  return outcomes.some((o) => o.status === 'failed');
}

export function spooledFiles(outcomes: DeliveryOutcome[]): string[] {
  return outcomes.flatMap((o) => (o.spooled ? [o.spooled] : []));
}
