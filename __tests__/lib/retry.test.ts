import {
  HttpError,
  RetryableError,
  defaultClassify,
  parseRetryAfter,
  retry,
  type RetryPolicy,
} from '../../src/lib/retry.js';

const POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 250, totalMs: 10_000, jitter: false };

/** A fake clock that sleeping advances, so tests check delays without waiting for them. */
function fakeTime() {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    clock: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
  };
}

function failing(errors: unknown[], value = 'ok') {
  let calls = 0;
  return {
    calls: () => calls,
    attempt: async () => {
      const error = errors[calls];
      calls += 1;
      if (error !== undefined) throw error;
      return value;
    },
  };
}

test('backs off exponentially up to maxDelayMs, then succeeds', async () => {
  const time = fakeTime();
  const op = failing([new HttpError('503', 503), new HttpError('502', 502), new HttpError('500', 500)]);
  await expect(retry(POLICY, op.attempt, time)).resolves.toBe('ok');
  expect(op.calls()).toBe(4);
  expect(time.slept).toEqual([100, 200, 250]);
});

test('the last error is thrown once the attempts are spent', async () => {
  const time = fakeTime();
  const last = new HttpError('still down', 503);
  const op = failing([new HttpError('a', 503), new HttpError('b', 503), new HttpError('c', 503), last]);
  await expect(retry(POLICY, op.attempt, time)).rejects.toBe(last);
  expect(op.calls()).toBe(4);
});

test('4xx other than 429 is not retried; 429 and network errors are', async () => {
  const time = fakeTime();
  const refused = new HttpError('bad token', 403);
  const op = failing([refused]);
  await expect(retry(POLICY, op.attempt, time)).rejects.toBe(refused);
  expect(op.calls()).toBe(1);
  expect(defaultClassify(new HttpError('slow down', 429)).retry).toBe(true);
  expect(defaultClassify(new TypeError('fetch failed')).retry).toBe(true);
  expect(defaultClassify({ status: 422 }).retry).toBe(false);
  expect(defaultClassify({ $metadata: { httpStatusCode: 500 } }).retry).toBe(true);
});

test("the server's Retry-After is honoured when longer than the backoff", async () => {
  const time = fakeTime();
  const op = failing([new HttpError('busy', 429, 2000)]);
  await retry(POLICY, op.attempt, time);
  expect(time.slept).toEqual([2000]);
  const octokitLike = Object.assign(new Error('rate limited'), {
    status: 403 + 26,
    response: { headers: { 'retry-after': '3' } },
  });
  expect(defaultClassify(octokitLike)).toEqual({ retry: true, afterMs: 3000 });
});

test('Retry-After as seconds or as an HTTP date', () => {
  const now = Date.parse('2026-12-03T10:00:00Z');
  expect(parseRetryAfter('120', now)).toBe(120_000);
  expect(parseRetryAfter('Thu, 03 Dec 2026 10:00:30 GMT', now)).toBe(30_000);
  expect(parseRetryAfter('Thu, 03 Dec 2026 09:00:00 GMT', now)).toBe(0);
  expect(parseRetryAfter('soon', now)).toBeUndefined();
  expect(parseRetryAfter(null, now)).toBeUndefined();
});

test('bounded in total time: no attempt starts past totalMs, even with attempts left', async () => {
  const time = fakeTime();
  const op = failing([new HttpError('a', 503), new RetryableError('wait an hour', 3_600_000)]);
  await expect(retry({ ...POLICY, attempts: 10 }, op.attempt, time)).rejects.toThrow('wait an hour');
  expect(op.calls()).toBe(2);
  expect(time.slept).toEqual([100]);
});

test('jitter keeps each delay within [half, all] of the backoff', async () => {
  expect.hasAssertions();
  for (let i = 0; i < 20; i += 1) {
    const time = fakeTime();
    await retry({ ...POLICY, jitter: true }, failing([new HttpError('a', 503), new HttpError('b', 503)]).attempt, time);
    expect(time.slept[0]).toBeGreaterThanOrEqual(50);
    expect(time.slept[0]).toBeLessThanOrEqual(100);
    expect(time.slept[1]).toBeGreaterThanOrEqual(100);
    expect(time.slept[1]).toBeLessThanOrEqual(200);
  }
});

test('onRetry is told each attempt and delay; a custom classify decides what is retried', async () => {
  const time = fakeTime();
  const seen: string[] = [];
  const op = failing([new RetryableError('x'), new Error('not mine')]);
  await expect(
    retry(POLICY, op.attempt, {
      ...time,
      classify: (e) => ({ retry: e instanceof RetryableError }),
      onRetry: ({ attempt, delayMs }) => seen.push(`${attempt}:${delayMs}`),
    }),
  ).rejects.toThrow('not mine');
  expect(seen).toEqual(['1:100']);
});
