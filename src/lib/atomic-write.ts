import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A file written whole or not at all, for caches read by later runs and by other processes at once: the bytes go to
 * a name no other writer has (`<file>.<uuid>.partial`, created afresh), then are renamed over the file. A run cut off
 * mid-write leaves a `.partial`, never half a file under the real name.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array | { copyOf: string }): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${randomUUID()}.partial`;
  try {
    if (typeof content === 'object' && 'copyOf' in content) await copyFile(content.copyOf, partial);
    else await writeFile(partial, content, { flag: 'wx' });
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}
