import { createWriteStream } from 'node:fs';
import { access, cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { runProcess } from '../lib/process.js';
import type { ToolStore } from './install.js';

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

  async download(url: string): Promise<string> {
    const response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(10 * 60 * 1000) });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    const dir = await mkdtemp(path.join(tmpdir(), 'vulngate-dl-'));
    const file = path.join(dir, 'trivy.tar.gz');
    await pipeline(
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
      createWriteStream(file),
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
