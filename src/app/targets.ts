import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { ConfigError, errorCode } from '../core/errors.js';
import { classifyImageEntry, type ImageEntry } from '../core/image-source.js';
import { nameWithoutExtension } from '../core/trivy-report.js';
import type { ScanTarget } from '../trivy/scanner.js';
import { glob, isDynamicPattern } from 'tinyglobby';

/** What `scan` was asked for: image globs, directories of code, SBOM files. */
export interface ScanRequest {
  images: string[];
  fs: string[];
  sboms: string[];
}

/** The request checked against the disk: tarballs found, registry and daemon images, directories and SBOMs. */
export interface ResolvedTargets {
  images: string[];
  /** Images Trivy pulls: looked up in their registry (or the Docker engine) when the scan starts. */
  remote: RemoteEntry[];
  fs: string[];
  sboms: string[];
}

export type RemoteEntry = Exclude<ImageEntry, { source: 'file' }>;

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
  const entries = request.images.map((entry) => classifyImageEntry(entry, existsSync));
  const images = await findTarballs(entries.flatMap((e) => (e.source === 'file' ? [e.pattern] : [])));
  const remote = uniqueRemote(entries);
  if (images.length + remote.length + fs.length + sboms.length === 0) {
    throw new ConfigError('nothing to scan: give images, fs or sbom');
  }
  return { images, remote, fs, sboms };
}

/** Registry and daemon images, each once. */
function uniqueRemote(entries: ImageEntry[]): RemoteEntry[] {
  const seen = new Set<string>();
  const remote: RemoteEntry[] = [];
  for (const entry of entries) {
    if (entry.source === 'file') continue;
    const key = `${entry.source}:${entry.reference.given}`;
    if (seen.has(key)) continue;
    seen.add(key);
    remote.push(entry);
  }
  return remote;
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
  if (target.remote) return target.remote.name;
  if (target.kind === 'image') return nameWithoutExtension(target.path);
  const absolute = path.resolve(workspace, target.path);
  const relative = path.relative(workspace, absolute);
  if (relative === '') return '.';
  if (relative.startsWith('..') || path.isAbsolute(relative)) return absolute.split(path.sep).join('/');
  return relative.split(path.sep).join('/');
}

/**
 * Image tarballs, and OCI image layout directories (they hold index.json); sorted, without duplicates.
 * An absolute pattern gives absolute paths, a relative one relative paths. Every pattern must find something: a
 * missing tarball among several is exit 2 naming it, never a gate that passes on the images that were there.
 */
export async function findTarballs(patterns: string[]): Promise<string[]> {
  return findEach(patterns, {
    option: 'images',
    accept: async (entry, info) => info.isFile() || (info.isDirectory() && (await isOciLayout(entry))),
    expected: 'image tarballs from docker save, or OCI layout directories',
  });
}

/** Trivy JSON reports: files and globs, each of which must find a file (exit 2 naming the one that does not). */
export async function findReports(patterns: string[]): Promise<string[]> {
  return findEach(patterns, {
    option: 'reports',
    accept: (_entry, info) => info.isFile(),
    expected: 'Trivy JSON reports',
    keepOrder: true,
  });
}

async function findEach(
  patterns: string[],
  how: {
    option: string;
    accept: (entry: string, info: Stats) => boolean | Promise<boolean>;
    expected: string;
    keepOrder?: boolean;
  },
): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const matches = await glob(pattern, {
      onlyFiles: false,
      expandDirectories: false,
      absolute: path.isAbsolute(pattern),
    });
    let matchedOne = false;
    for (const match of matches.sort()) {
      const entry = match.replace(/\/$/, '');
      const info = await stat(entry);
      if (!(await how.accept(entry, info))) continue;
      matchedOne = true;
      found.add(entry);
    }
    if (!matchedOne) {
      const what = isDynamicPattern(pattern) ? 'no file matches' : 'no such file:';
      throw new ConfigError(`${how.option}: ${what} '${pattern}' (expected ${how.expected})`);
    }
  }
  return how.keepOrder ? [...found] : [...found].sort();
}

async function isOciLayout(dir: string): Promise<boolean> {
  try {
    return (await stat(path.join(dir, 'index.json'))).isFile();
  } catch {
    return false;
  }
}
