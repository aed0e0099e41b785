import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.ts';

/**
 * Compares with test/golden/<name>. A missing file fails: a golden file is reviewed, never made by the test that
 * reads it. UPDATE_GOLDEN=1 writes the file instead (review the diff before committing it).
 */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(ROOT, 'test/golden', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
  } else if (!existsSync(file)) {
    throw new Error(`golden file test/golden/${name} is missing; write it with UPDATE_GOLDEN=1 and review it`);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
