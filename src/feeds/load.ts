import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, describeError, errorCode } from '../core/errors.js';
import type { ExploitationData, ExploitationPolicy } from '../core/exploitation.js';
import type { Logger } from '../core/logger.js';
import type { RunWarning } from '../core/results.js';
import type { FeedSettings } from '../config/settings.js';
import { parseEpss, parseKev } from './parse.js';
import { writeFileAtomic } from '../lib/atomic-write.js';

/** Fetches a URL's bytes (the one HTTP client, with its retry helper); injected so tests give it a local server. */
export type FeedDownload = (url: string) => Promise<Buffer>;

const isUrl = (source: string) => /^https?:\/\//i.test(source);

/**
 * The feeds the profile uses, and only those: KEV when `kev` is block or warn, EPSS when `epss` is set. Each is
 * read once per run and kept one key per UTC day; mirrors are tried in order; a feed that cannot be had or read is
 * exit 2 naming it, since the profile gates on it. A stale feed is a warning.
 */
export async function loadFeeds(args: {
  policy: ExploitationPolicy | undefined;
  settings: FeedSettings;
  download: FeedDownload;
  now: Date;
  logger: Logger;
}): Promise<{ data: ExploitationData; warnings: RunWarning[] }> {
  const { policy, settings, now } = args;
  const data: ExploitationData = {};
  const warnings: RunWarning[] = [];
  if (policy && policy.kev !== 'ignore') {
    data.kev = parseKev(...(await fetchFeed({ ...args, name: 'kev', sources: settings.kev })));
    const stale = staleness('KEV catalogue', data.kev.dateReleased, settings.maxAgeHours, now);
    if (stale) warnings.push(stale);
    args.logger.info(`CISA KEV catalogue ${data.kev.catalogVersion}: ${data.kev.byCve.size} CVEs`);
  }
  if (policy?.epss !== undefined) {
    data.epss = parseEpss(...(await fetchFeed({ ...args, name: 'epss', sources: settings.epss })));
    const stale = staleness('EPSS scores', data.epss.scoreDate, settings.maxAgeHours, now);
    if (stale) warnings.push(stale);
    args.logger.info(`EPSS scores of ${data.epss.scoreDate.slice(0, 10)}: ${data.epss.byCve.size} CVEs`);
  }
  for (const w of warnings) args.logger.warning(w.message);
  return { data, warnings };
}

async function fetchFeed(args: {
  name: 'kev' | 'epss';
  sources: string[];
  settings: FeedSettings;
  download: FeedDownload;
  now: Date;
  logger: Logger;
}): Promise<[Buffer, string]> {
  const problems: string[] = [];
  const day = args.now.toISOString().slice(0, 10);
  for (const source of args.sources) {
    if (!isUrl(source)) {
      try {
        return [await readFile(source), source];
      } catch (err) {
        problems.push(`${source}: ${errorCode(err)}`);
        continue;
      }
    }
    const cached = path.join(args.settings.cacheDir, 'feeds', `${args.name}-${day}-${key(source)}`);
    const kept = await readFile(cached).catch(() => undefined);
    if (kept) return [kept, source];
    try {
      const bytes = await args.download(source);
      await writeFileAtomic(cached, bytes);
      return [bytes, source];
    } catch (err) {
      problems.push(`${source}: ${describeError(err)}`);
      args.logger.warning(`${args.name}-feed: ${source} failed (${describeError(err)}); trying the next source`);
    }
  }
  throw new ConfigError(
    `${args.name}-feed: the profile uses it and no source could be read (${problems.join('; ') || 'none given'})`,
  );
}

/** A short, file-name-safe key per source URL, so two mirrors never share a cached day. */
function key(source: string): string {
  return createHash('sha256').update(source).digest('hex').slice(0, 12);
}

function staleness(what: string, when: string, maxHours: number, now: Date): RunWarning | undefined {
  const at = Date.parse(when);
  if (Number.isNaN(at)) return undefined;
  const hours = (now.getTime() - at) / 3_600_000;
  if (hours <= maxHours) return undefined;
  return {
    code: 'stale-feed',
    message:
      `The ${what} is from ${when.slice(0, 10)}, ${Math.floor(hours)} hours old ` +
      `(more than max-feed-age ${maxHours})`,
  };
}
