import { gunzipSync } from 'node:zlib';
import { ConfigError } from '../core/errors.js';
import type { EpssFacts, ExploitationData, KevFacts } from '../core/exploitation.js';
import { normalizeVulnerabilityId } from '../core/profile.js';

type KevData = NonNullable<ExploitationData['kev']>;
type EpssData = NonNullable<ExploitationData['epss']>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * CISA's catalogue (known_exploited_vulnerabilities.json): `catalogVersion`, `dateReleased` and `vulnerabilities`
 * of `{cveID, dateAdded, dueDate, knownRansomwareCampaignUse, …}`. Anything else is exit 2 naming the feed: a
 * profile that gates on KEV must not pass on a page that is not the catalogue.
 */
export function parseKev(bytes: Buffer, source: string): KevData {
  let raw: unknown;
  try {
    raw = JSON.parse(
      maybeGunzip(bytes)
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
    );
  } catch {
    throw new ConfigError(`kev-feed: ${source} is not JSON; expected CISA's known_exploited_vulnerabilities.json`);
  }
  if (!isObject(raw) || typeof raw.catalogVersion !== 'string' || !Array.isArray(raw.vulnerabilities)) {
    throw new ConfigError(
      `kev-feed: ${source} is not CISA's KEV catalogue (catalogVersion and vulnerabilities are missing)`,
    );
  }
  const byCve = new Map<string, KevFacts>();
  raw.vulnerabilities.forEach((entry: unknown, i) => {
    if (!isObject(entry) || typeof entry.cveID !== 'string' || !DATE.test(String(entry.dateAdded))) {
      throw new ConfigError(`kev-feed: ${source}: vulnerabilities[${i}] has no cveID or dateAdded`);
    }
    byCve.set(normalizeVulnerabilityId(entry.cveID), {
      dateAdded: String(entry.dateAdded),
      dueDate: typeof entry.dueDate === 'string' ? entry.dueDate : '',
      knownRansomwareCampaignUse:
        typeof entry.knownRansomwareCampaignUse === 'string' ? entry.knownRansomwareCampaignUse : 'Unknown',
    });
  });
  return {
    catalogVersion: raw.catalogVersion,
    dateReleased: typeof raw.dateReleased === 'string' ? raw.dateReleased : '',
    byCve,
  };
}

/**
 * FIRST's daily scores (epss_scores-YYYY-MM-DD.csv.gz, gzip or plain): a comment line
 * `#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z`, the header `cve,epss,percentile`, a row per CVE.
 */
export function parseEpss(bytes: Buffer, source: string): EpssData {
  const text = maybeGunzip(bytes).toString('utf8');
  const lines = text.split(/\r?\n/);
  let at = 0;
  const meta: Record<string, string> = {};
  while (lines[at]?.startsWith('#')) {
    for (const pair of (lines[at] ?? '').slice(1).split(',')) {
      const colon = pair.indexOf(':');
      if (colon > 0) meta[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
    }
    at += 1;
  }
  if ((lines[at] ?? '').trim().toLowerCase() !== 'cve,epss,percentile') {
    throw new ConfigError(
      `epss-feed: ${source} is not FIRST's EPSS CSV ` +
        '(expected the header cve,epss,percentile after the #model_version line)',
    );
  }
  const byCve = new Map<string, EpssFacts>();
  for (let i = at + 1; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const [cve, epss, percentile] = line.split(',');
    const score = Number(epss);
    const rank = Number(percentile);
    if (!cve || !(score >= 0 && score <= 1) || !(rank >= 0 && rank <= 1)) {
      throw new ConfigError(`epss-feed: ${source}: line ${i + 1} is not cve,epss,percentile`);
    }
    byCve.set(normalizeVulnerabilityId(cve), { score, percentile: rank });
  }
  return { modelVersion: meta.model_version ?? '', scoreDate: meta.score_date ?? '', byCve };
}

function maybeGunzip(bytes: Buffer): Buffer {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    // Bounded: the real file inflates to ~10 MB; a gzip bomb stops here.
    return gunzipSync(bytes, { maxOutputLength: 256 * 1024 * 1024 });
  } catch (err) {
    throw new ConfigError(`a feed is not readable gzip (${err instanceof Error ? err.message : String(err)})`);
  }
}
