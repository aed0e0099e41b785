import { renderTimings, Timings } from '../../src/core/timings.js';

test('phases add up their wall time, a failing phase is timed too, the table gives seconds and shares', async () => {
  let now = 0;
  const timings = new Timings(() => now);
  await timings.time('scans', async () => {
    now += 1500;
  });
  await expect(
    timings.time('judging', async () => {
      now += 250;
      throw new Error('bad report');
    }),
  ).rejects.toThrow('bad report');
  await timings.time('scans', async () => {
    now += 500;
  });
  now += 250;
  expect(timings.entries()).toEqual([
    { phase: 'scans', ms: 2000 },
    { phase: 'judging', ms: 250 },
  ]);
  expect(timings.total()).toBe(2500);
  expect(renderTimings(timings.entries(), timings.total())).toBe(
    [
      'Timings:',
      '  scans         2.000 s   80%',
      '  judging       0.250 s   10%',
      '  whole run     2.500 s  100%',
    ].join('\n'),
  );
});
