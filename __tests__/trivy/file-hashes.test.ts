// Tarball hashes kept per file identity: the same file is not read twice; a file written again is, whatever its
// mtime says.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tarballSha256 } from '../../src/trivy/file-hashes.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-fh-'));
const sha = (file: string) => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;

test('kept for the same file, hashed again when it is written again (mtime restored or not)', async () => {
  const dir = tmp();
  const hashes = path.join(tmp(), 'hashes');
  const file = path.join(dir, 'app.tar');
  writeFileSync(file, 'first version '.repeat(10_000));
  expect(await tarballSha256(file, hashes)).toBe(sha(file));
  expect(readdirSync(hashes)).toHaveLength(1);
  // The kept entry is what answers: proven by planting another value under the same identity.
  const entry = path.join(hashes, readdirSync(hashes)[0]!);
  writeFileSync(entry, `sha256:${'0'.repeat(64)}`);
  expect(await tarballSha256(file, hashes)).toBe(`sha256:${'0'.repeat(64)}`);

  // Rewritten with the same size and its old mtime put back: the change time still tells.
  const { atime, mtime } = statSync(file);
  await new Promise((resolve) => setTimeout(resolve, 20));
  writeFileSync(file, 'other version '.repeat(10_000));
  utimesSync(file, atime, mtime);
  expect(await tarballSha256(file, hashes)).toBe(sha(file));
  expect(sha(file)).not.toBe(`sha256:${'0'.repeat(64)}`);
});

test('without a hashes dir every call reads the file; a directory has no hash', async () => {
  const dir = tmp();
  const file = path.join(dir, 'app.tar');
  writeFileSync(file, 'bytes');
  expect(await tarballSha256(file)).toBe(sha(file));
  expect(await tarballSha256(dir, path.join(dir, 'hashes'))).toBeUndefined();
});
