// The version of the `trivy` on PATH is asked once per file identity, not once per run (a process, ~0.1 s).
import { chmodSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureTrivy, type ToolStore } from '../../src/trivy/install.js';
import { recordingLogger } from '../../test/support/logger.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-version-'));
const noStore: ToolStore = {
  find: () => Promise.resolve(undefined),
  download: () => Promise.reject(new Error('no download in this test')),
  extract: () => Promise.reject(new Error('no extract in this test')),
  save: (dir) => Promise.resolve(dir),
};

function fakeTrivy(dir: string, version: string, calls: string): void {
  const script = `#!/bin/sh\necho x >> '${calls}'\necho '{"Version":"${version}"}'\n`;
  writeFileSync(path.join(dir, 'trivy'), script);
  chmodSync(path.join(dir, 'trivy'), 0o755);
}

test('asked once per binary; a binary replaced (or touched) is asked again', async () => {
  const bin = tmp();
  const calls = path.join(tmp(), 'calls');
  const versionsDir = path.join(tmp(), 'versions');
  fakeTrivy(bin, '0.74.0', calls);
  const ensure = () =>
    ensureTrivy({
      version: '0.74.0',
      downloadUrl: 'http://127.0.0.1:9/unused',
      platform: 'linux',
      arch: 'x64',
      store: noStore,
      env: { PATH: bin },
      logger: recordingLogger(),
      versionsDir,
    });
  const count = () => readFileSync(calls, 'utf8').trim().split('\n').length;
  expect(await ensure()).toBe(path.join(bin, 'trivy'));
  expect(await ensure()).toBe(path.join(bin, 'trivy'));
  expect(count()).toBe(1);
  // Another binary in its place (another version): a new identity, asked again, and not taken for the pinned one.
  fakeTrivy(bin, '0.60.0', calls);
  await expect(ensure()).rejects.toThrow();
  expect(count()).toBe(2);
  // Touched: its times change, so it is asked again.
  utimesSync(path.join(bin, 'trivy'), new Date(), new Date(Date.now() - 5000));
  await expect(ensure()).rejects.toThrow();
  expect(count()).toBe(3);
});
