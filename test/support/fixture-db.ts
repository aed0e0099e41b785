import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './paths.ts';
import { realTrivy } from './trivy.ts';

/** One text replacement in one fixture file; it must match, so a fixture edit cannot silently miss. */
export interface FixtureEdit {
  file: string;
  from: string;
  to: string;
}

/**
 * A Trivy cache dir whose DB is test/fixtures/db with these edits, built by the same fixturedb tool
 * (scripts/prepare-trivy.sh builds it beside Trivy): the DB as it is the next night, for baseline tests.
 */
export function fixtureDbWith(edits: FixtureEdit[]): string {
  const fixtures = mkdtempSync(path.join(tmpdir(), 'vg-dbfix-'));
  const source = path.join(ROOT, 'test/fixtures/db');
  for (const name of readdirSync(source))
    writeFileSync(path.join(fixtures, name), readFileSync(path.join(source, name)));
  for (const edit of edits) {
    const file = path.join(fixtures, edit.file);
    const text = readFileSync(file, 'utf8');
    if (!text.includes(edit.from)) throw new Error(`fixture edit: '${edit.from}' is not in ${edit.file}`);
    writeFileSync(file, text.replace(edit.from, edit.to));
  }
  const cache = mkdtempSync(path.join(tmpdir(), 'vg-dbcache-'));
  execFileSync(path.join(realTrivy().dir, 'fixturedb'), ['-cache-dir', cache, '-fixtures', fixtures], {
    stdio: 'ignore',
  });
  return cache;
}
