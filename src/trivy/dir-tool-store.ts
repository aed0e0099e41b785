import { access, cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { httpClient } from '../lib/http.js';
import { ONE_ATTEMPT } from '../lib/retry.js';
import { runProcess } from '../lib/process.js';
import type { ToolStore } from './install.js';

/** One attempt, as before: a release archive is checked against its pinned sha256 after. */
const DOWNLOADS = httpClient({
  service: 'the release host',
  retry: ONE_ATTEMPT,
  timeoutMs: 10 * 60 * 1000,
});

/** The CLI's tool cache: `<root>/trivy/<version>/trivy`, downloads over plain HTTPS. */
export class DirToolStore implements ToolStore {
  constructor(private readonly root: string) {}

  private dirFor(version: string): string {
    return path.join(this.root, 'trivy', version);
  }

  async find(version: string): Promise<string | undefined> {
    const dir = this.dirFor(version);
    try {
      await access(path.join(dir, 'trivy'));
      return dir;
    } catch {
      return undefined;
    }
  }

  /** No credential goes with it, so the release host's redirect (to its storage) is followed. */
  async download(url: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'vulngate-dl-'));
    const file = path.join(dir, 'trivy.tar.gz');
    await DOWNLOADS.download(
      { url, followRedirects: true, describe: ({ status, statusText }) => `HTTP ${status} ${statusText}`.trim() },
      file,
    );
    return file;
  }

  async extract(archive: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'vulngate-x-'));
    const result = await runProcess({
      command: 'tar',
      args: ['-xzf', archive, '-C', dir],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    if (result.exitCode !== 0) throw new Error(result.stderr.trim() || `tar exited ${result.exitCode}`);
    return dir;
  }

  async save(dir: string, version: string): Promise<string> {
    const target = this.dirFor(version);
    await mkdir(path.dirname(target), { recursive: true });
    await rm(target, { recursive: true, force: true });
    try {
      await rename(dir, target);
    } catch {
      // The temp dir is on another filesystem: copy instead of moving.
      await cp(dir, target, { recursive: true });
    }
    return target;
  }
}
