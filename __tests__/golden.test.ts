// A golden file is reviewed, never made by the test that reads it: missing is a failure unless UPDATE_GOLDEN=1.
import { expectGolden } from '../test/support/golden.ts';

test('a missing golden file fails, and says how to write it', () => {
  const saved = process.env.UPDATE_GOLDEN;
  delete process.env.UPDATE_GOLDEN;
  try {
    expect(() => expectGolden('no-such-dir/never-written.txt', 'text')).toThrow(
      'golden file test/golden/no-such-dir/never-written.txt is missing; write it with UPDATE_GOLDEN=1 and review it',
    );
  } finally {
    if (saved !== undefined) process.env.UPDATE_GOLDEN = saved;
  }
});
