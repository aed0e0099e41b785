import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, ScanError, describeError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { Logger } from '../core/logger.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { PINNED_TRIVY_CHECKSUMS } from './checksums.js';
import { cleanTrivyEnvironment } from './environment.js';
import { fileIdentity } from './file-hashes.js';
import { runProcess } from '../lib/process.js';

/** Where Trivy binaries are kept between runs: @actions/tool-cache in the action, a directory for the CLI. */
export interface ToolStore {
  /** Directory holding a cached `trivy` of that version, if any. */
  find(version: string): Promise<string | undefined>;
  /** Downloads a URL to a local file. */
  download(url: string): Promise<string>;
  /** Extracts a .tar.gz to a new directory. */
  extract(archive: string): Promise<string>;
  /** Keeps an extracted directory for later runs; returns where it is now. */
  save(dir: string, version: string): Promise<string>;
}

export interface EnsureTrivyArgs {
  version: string;
  /** SHA-256 for a version or platform whose checksum vulngate does not keep. */
  checksum?: string;
  downloadUrl: string;
  platform: NodeJS.Platform;
  arch: string;
  store: ToolStore;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Where the versions of binaries found on PATH are kept, per file identity; undefined: asked each run. */
  versionsDir?: string;
}

export function trivyAssetName(version: string, platform: NodeJS.Platform, arch: string): string {
  const os = platform === 'linux' ? 'Linux' : platform === 'darwin' ? 'macOS' : undefined;
  const cpu = arch === 'x64' ? '64bit' : arch === 'arm64' ? 'ARM64' : undefined;
  if (!os || !cpu)
    throw new ConfigError(
      `Trivy is not available for ${platform}/${arch} (vulngate supports linux and macOS on x64 and arm64)`,
    );
  return `trivy_${version}_${os}-${cpu}.tar.gz`;
}

/** Returns the path of a Trivy binary of the wanted version: from PATH, the tool store, or a verified download. */
export async function ensureTrivy(args: EnsureTrivyArgs): Promise<string> {
  const { version, logger } = args;
  const onPath = await findOnPath(args.env);
  if (onPath) {
    const found = await knownVersion(onPath, args);
    if (found === version) {
      logger.info(`Using Trivy ${version} from PATH (${onPath})`);
      return onPath;
    }
    logger.info(`Trivy on PATH is ${found || 'of unknown version'}, not ${version}; looking elsewhere`);
  }
  const cached = await args.store.find(version);
  if (cached) {
    logger.info(`Using Trivy ${version} from the tool cache`);
    return path.join(cached, 'trivy');
  }
  return downloadTrivy(args);
}

async function downloadTrivy(args: EnsureTrivyArgs): Promise<string> {
  const { version, store, logger } = args;
  const asset = trivyAssetName(version, args.platform, args.arch);
  const expected = (args.checksum?.trim().toLowerCase() || PINNED_TRIVY_CHECKSUMS[version]?.[asset]) ?? '';
  if (expected === '') {
    const known = Object.keys(PINNED_TRIVY_CHECKSUMS).join(', ');
    throw new ConfigError(
      `trivy-version: vulngate keeps no checksum for ${asset}; give trivy-checksum (the SHA-256 of ${asset}) ` +
        `or use ${known}`,
    );
  }
  if (!/^[0-9a-f]{64}$/.test(expected))
    throw new ConfigError('trivy-checksum: must be a SHA-256 in hex (64 characters)');
  const url = args.downloadUrl.replaceAll('{version}', version).replaceAll('{asset}', asset);
  logger.info(`Downloading Trivy ${version} from ${url}`);
  let archive: string;
  try {
    archive = await store.download(url);
  } catch (err) {
    throw new ScanError(`cannot download Trivy from ${url}: ${describeError(err)}`);
  }
  const actual = await sha256File(archive);
  if (actual !== expected) {
    throw new ScanError(
      `${asset} from ${url} has SHA-256 ${actual}, not the pinned ${expected}; refusing to run it (the ` +
        `download was altered or the release replaced)`,
    );
  }
  const dir = await store.extract(archive).catch((err: unknown) => {
    throw new ScanError(`cannot extract ${asset}: ${describeError(err)}`);
  });
  try {
    await access(path.join(dir, 'trivy'), constants.X_OK);
  } catch {
    throw new ScanError(`${asset} holds no executable 'trivy'`);
  }
  const saved = await store.save(dir, version);
  return path.join(saved, 'trivy');
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function findOnPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'trivy');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * The version of a binary on PATH, asked once per file identity (path, inode, size, modification and change times):
 * a `trivy version` process is ~0.1 s of every run otherwise. A binary replaced or touched is a new identity.
 */
async function knownVersion(binary: string, args: EnsureTrivyArgs): Promise<string> {
  const identity = args.versionsDir ? await fileIdentity(await realpath(binary)).catch(() => undefined) : undefined;
  const entry = identity && args.versionsDir ? path.join(args.versionsDir, sha256Hex(identity)) : undefined;
  const kept = entry ? await readFile(entry, 'utf8').catch(() => '') : '';
  if (/^\d+\.\d+\.\d+[\w.+-]*$/.test(kept)) return kept;
  const found = await trivyVersion(binary, args.env);
  if (entry && found) await writeFileAtomic(entry, found).catch(() => undefined);
  return found;
}

/** `trivy version --format json` → "0.74.0"; empty when it cannot tell. */
export async function trivyVersion(binary: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const result = await runProcess({
      command: binary,
      args: ['version', '--format', 'json'],
      env: cleanTrivyEnvironment(env),
      timeoutMs: 30_000,
    });
    const parsed = JSON.parse(result.stdout) as { Version?: unknown };
    return typeof parsed.Version === 'string' ? parsed.Version.replace(/^v/, '') : '';
  } catch {
    return '';
  }
}
