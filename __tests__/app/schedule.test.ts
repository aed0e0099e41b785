import { planScans } from '../../src/app/schedule.js';

test('images sharing a base layer wait for the first of them; other groups start at once', () => {
  const plan = planScans([['base', 'a'], ['base', 'b'], ['alpine'], ['base', 'c'], undefined, ['alpine', 'd']]);
  expect(plan.leaders).toEqual([0, 2, 4]);
  expect(plan.followers).toEqual(
    new Map([
      [0, [1, 3]],
      [2, [5]],
    ]),
  );
});

test('an image whose layers are unknown is its own group', () => {
  expect(planScans([undefined, undefined])).toEqual({ leaders: [0, 1], followers: new Map() });
  expect(planScans([])).toEqual({ leaders: [], followers: new Map() });
});
