import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, errorCode } from '../core/errors.js';
import { nameWithoutExtension } from '../core/trivy-report.js';
import type { ScanTarget } from '../trivy/scanner.js';
import { glob } from 'tinyglobby';

/** What `scan` was asked for: image globs, directories of code, SBOM files. */
export interface ScanRequest {
  images: string[];
  fs: string[];
  sboms: string[];
}

/** The request checked against the disk: tarballs found, directories and SBOMs that exist. */
export interface ResolvedTargets {
  images: string[];
  fs: string[];
  sboms: string[];
}

/**
 * Every path is checked before anything is scanned: a directory or SBOM that is missing is a configuration error
 * naming it (exit 2), not a scan error found halfway through.
 */
export async function resolveTargets(request: ScanRequest): Promise<ResolvedTargets> {
  const fs = await existing(request.fs, { option: 'fs', want: 'directory', hint: 'give a directory of code to scan' });
  const sboms = await existing(request.sboms, {
    option: 'sbom',
    want: 'file',
    hint: 'give a CycloneDX or SPDX JSON file',
  });
  const images = request.images.length > 0 ? await findTarballs(request.images) : [];
  if (request.images.length > 0 && images.length === 0) {
    const globs = request.images.map((p) => `'${p}'`).join(', ');
    throw new ConfigError(`images: no file matches ${globs} (expected image tarballs from docker save)`);
  }
  if (images.length + fs.length + sboms.length === 0) {
    throw new ConfigError('nothing to scan: give images, fs or sbom');
  }
  return { images, fs, sboms };
}

/** The paths as given, each checked to be a directory (or a file), without repeats; one line naming a bad one. */
async function existing(
  paths: string[],
  how: { option: string; want: 'directory' | 'file'; hint: string },
): Promise<string[]> {
  const found: string[] = [];
  for (const given of paths) {
    const info = await stat(given).catch((err: unknown) => {
      throw new ConfigError(`${how.option}: '${given}' does not exist (${errorCode(err)}); ${how.hint}`);
    });
    if (how.want === 'directory' ? !info.isDirectory() : !info.isFile()) {
      throw new ConfigError(`${how.option}: '${given}' is not a ${how.want}; ${how.hint}`);
    }
    if (!found.includes(given)) found.push(given);
  }
  return found;
}

/**
 * How a target is named in every output. Images: the tarball's name until the report gives a tag. Directories and
 * SBOMs: their path relative to the workspace (the repository root), with forward slashes, so SARIF can locate a
 * lockfile in the repository and one directory has one name on every runner.
 */
export function targetName(target: ScanTarget, workspace: string): string {
  if (target.kind === 'image') return nameWithoutExtension(target.path);
  const absolute = path.resolve(workspace, target.path);
  const relative = path.relative(workspace, absolute);
  if (relative === '') return '.';
  if (relative.startsWith('..') || path.isAbsolute(relative)) return absolute.split(path.sep).join('/');
  return relative.split(path.sep).join('/');
}

/**
 * Image tarballs, and OCI image layout directories (they hold index.json); sorted, without duplicates.
 * An absolute pattern gives absolute paths, a relative one relative paths.
 */
export async function findTarballs(patterns: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const matches = await glob(pattern, {
      onlyFiles: false,
      expandDirectories: false,
      absolute: path.isAbsolute(pattern),
    });
    for (const match of matches) {
      const entry = match.replace(/\/$/, '');
      const info = await stat(entry);
      if (info.isFile() || (info.isDirectory() && (await isOciLayout(entry)))) found.add(entry);
    }
  }
  return [...found].sort();
}

async function isOciLayout(dir: string): Promise<boolean> {
  try {
    return (await stat(path.join(dir, 'index.json'))).isFile();
  } catch {
    return false;
  }
}
