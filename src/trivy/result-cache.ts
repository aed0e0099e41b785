import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../core/hash.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import type { DbInfo } from '../core/results.js';
import { layerCacheDir } from './layer-cache.js';

/**
 * Trivy's report for an image whose inputs did not change since a run that scanned it, kept beside the layer cache
 * (so it lives and is started anew with it: another Trivy, over the bound, older than a week). A hit skips the Trivy
 * process altogether; a scan that cost nothing in analysis still cost Trivy's start, its DB open and its matching.
 *
 * The key is everything that decides what the report holds:
 * - what was scanned: the image ID (its config's digest), its diff IDs and what names it in the archive (the tags
 *   Trivy reports come from manifest.json, not the config), or for a registry image the manifest digest
 *   the tag was pinned to (`repo@sha256:…`, as Trivy is given it) and the platform;
 * - the Trivy version (its analysers, its matching and its built-in secret rules: vulngate passes no secret config,
 *   runs Trivy in an empty directory and clears TRIVY_*, so the rules are the version's own);
 * - the vulnerability DB and Java DB (schema and update time: a new DB is a new key, so a CVE published today is
 *   matched today);
 * - the flags that change the report (scanners, --list-all-pkgs, --offline-scan, …);
 * - the contents of each VEX file, in order.
 * Not cached: directories of code (their contents are the input, and hashing a tree costs what scanning it does),
 * SBOM files, and scans through a remote Trivy server (its DB is not known here).
 */
/** 2: a report is kept only after the archive's layers were checked against their diff IDs. */
export const RESULT_CACHE_SCHEMA = 2;

export type ScannedContent =
  | { kind: 'archive'; imageId: string; diffIds: string[]; namesDigest: string }
  | { kind: 'registry'; reference: string; platform?: string };

export interface ResultKeyParts {
  content: ScannedContent;
  trivyVersion: string;
  trivyDb?: DbInfo;
  javaDb?: DbInfo;
  flags: string[];
  /** sha256 of each VEX file's bytes, in the order given. */
  vex: string[];
}

/** The cache key: a sha256 of the parts in a fixed order (object keys sorted, arrays kept in order). */
export function resultKey(parts: ResultKeyParts): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]));
    }
    return value;
  };
  return sha256Hex(JSON.stringify(canonical({ schema: RESULT_CACHE_SCHEMA, ...parts })));
}

export function resultCacheDir(cacheDir: string): string {
  return path.join(layerCacheDir(cacheDir), 'vulngate-results');
}

/** How many reports are kept: beyond it the least recently used go (a report is KBs to a few MB). */
export const RESULT_CACHE_MAX_ENTRIES = 512;

/** The parts of the key that are the same for every target of a run. */
export type RunKeyParts = Omit<ResultKeyParts, 'content' | 'flags'>;

/** The run's part of the key: Trivy, the DBs it judged with, and each VEX file's bytes. */
export async function runKeyParts(args: {
  trivyVersion: string;
  databases: { trivyDb?: DbInfo; javaDb?: DbInfo };
  vexFiles: string[];
}): Promise<RunKeyParts> {
  const vex = await Promise.all(args.vexFiles.map(async (file) => sha256Hex(await readFile(file))));
  return { trivyVersion: args.trivyVersion, ...args.databases, vex };
}

export class ResultCache {
  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  /** The report's text, or undefined; a hit is touched, so pruning drops the least recently used. */
  async get(key: string): Promise<string | undefined> {
    try {
      const text = await readFile(this.file(key), 'utf8');
      // A truncated or foreign file is a miss, never a report.
      const report = JSON.parse(text) as { SchemaVersion?: unknown } | null;
      if (typeof report !== 'object' || report === null || report.SchemaVersion !== 2) return undefined;
      const now = new Date();
      await utimes(this.file(key), now, now).catch(() => undefined);
      return text;
    } catch {
      return undefined;
    }
  }

  /** A report file kept under the key, copied whole or not at all (no second read of it here). */
  async put(key: string, reportFile: string): Promise<void> {
    await writeFileAtomic(this.file(key), { copyOf: reportFile });
  }

  /** Keeps the most recently used entries; leftovers of an interrupted write go too. */
  async prune(maxEntries = RESULT_CACHE_MAX_ENTRIES): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    // Leftovers of an interrupted write: only old ones, never a write under way in another process.
    const partials = (
      await Promise.all(
        names
          .filter((n) => n.endsWith('.partial'))
          .map(async (n) => ({ n, at: (await stat(path.join(this.dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })),
      )
    )
      .filter((p) => Date.now() - p.at > 3_600_000)
      .map((p) => p.n);
    const entries = await Promise.all(
      names
        .filter((n) => n.endsWith('.json'))
        .map(async (name) => ({ name, used: (await stat(path.join(this.dir, name)).catch(() => undefined))?.mtimeMs })),
    );
    const dropped = entries
      .filter((e) => e.used !== undefined)
      .sort((a, b) => (b.used ?? 0) - (a.used ?? 0))
      .slice(maxEntries)
      .map((e) => e.name);
    await Promise.all([...partials, ...dropped].map((n) => rm(path.join(this.dir, n), { force: true })));
    return dropped.length;
  }
}

/** Option-value pairs that name where things are, not what the report holds: they stay out of the key. */
const WHERE_FLAGS = new Set([
  '--output',
  '--cache-dir',
  '--server',
  '--timeout',
  '--input',
  '--vex',
  '--cache-backend',
]);

/**
 * Trivy's arguments as far as they shape the report: every flag is in, except where things are (paths, the server,
 * the timeout) and a reference after `--` (its digest is in the key). Taken from the real argument list, so a flag
 * added later is in the key too. Only images are cached, so no positional path is left in it.
 */
export function reportShapingArgs(args: string[]): string[] {
  const shaping: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--') break;
    if (WHERE_FLAGS.has(arg)) i += 1;
    else shaping.push(arg);
  }
  return shaping;
}

/**
 * A cached report for the path scanned now: Trivy names the artifact (and each result of an image's files) after the
 * tarball's path, which differs from run to run (a fresh checkout, another runner).
 */
export function relocateReport(text: string, artifactName: string): string {
  const report = JSON.parse(text) as { ArtifactName?: unknown; Results?: { Target?: unknown }[] };
  const before = typeof report.ArtifactName === 'string' ? report.ArtifactName : '';
  if (before === artifactName) return text;
  report.ArtifactName = artifactName;
  for (const result of Array.isArray(report.Results) ? report.Results : []) {
    if (before !== '' && typeof result.Target === 'string' && result.Target.startsWith(before)) {
      result.Target = artifactName + result.Target.slice(before.length);
    }
  }
  return `${JSON.stringify(report, null, 2)}\n`;
}
