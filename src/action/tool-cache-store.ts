import * as tc from '@actions/tool-cache';
import type { ToolStore } from '../trivy/install.js';

/** Trivy binaries in the runner's tool cache, so later jobs on the same runner skip the download. */
export class ToolCacheStore implements ToolStore {
  async find(version: string): Promise<string | undefined> {
    const dir = tc.find('trivy', version);
    return dir === '' ? undefined : dir;
  }

  download(url: string): Promise<string> {
    return tc.downloadTool(url);
  }

  extract(archive: string): Promise<string> {
    return tc.extractTar(archive);
  }

  save(dir: string, version: string): Promise<string> {
    return tc.cacheDir(dir, 'trivy', version);
  }
}
