import { createHash } from 'node:crypto';
import { describeError } from '../core/errors.js';
import { registryHost, type ImageReference } from '../core/image-source.js';
import { httpClient, type HttpAnswer, type HttpFailure } from '../lib/http.js';
import type { RetryPolicy } from '../lib/retry.js';
import type { RegistryLogin } from './docker-config.js';
import { selectPlatforms, type IndexEntry, type PlatformChoice } from '../core/platforms.js';

/** What a reference resolved to: the manifests to scan, each pinned by digest. */
export interface ResolvedImage {
  /** The multi-platform index the reference named, when it named one. */
  indexDigest?: string;
  /** Every platform the index lists (attestations left out); empty for a single manifest. */
  indexPlatforms: string[];
  /** What to scan: one manifest, or one per platform chosen. */
  manifests: { digest: string; platform?: string }[];
}

export interface ResolveArgs {
  reference: ImageReference;
  choice: PlatformChoice;
  /** The registry's login, where the job or the inputs have one. */
  login?: RegistryLogin;
  timeoutMs: number;
  retry: RetryPolicy;
}

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
/** A manifest is a few KiB; an index of every platform under 1 MiB. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

interface Index {
  manifests?: { digest?: unknown; platform?: { os?: unknown; architecture?: unknown; variant?: unknown } }[];
}

/**
 * Asks the registry (OCI distribution API, through the one HTTP client) what a reference points to, so the scan is
 * pinned to digests: the tag cannot move between the lookup and the pull, and the record names what a deployment
 * pins. A multi-platform index is narrowed to the platforms chosen. Throws an Error whose message is the image's
 * one scan-error line (never a credential: the client redacts what a server echoes).
 */
export async function resolveImage(args: ResolveArgs): Promise<ResolvedImage> {
  const { reference } = args;
  const answer = await getManifest(args);
  const digest = `sha256:${createHash('sha256').update(answer.body).digest('hex')}`;
  if (reference.digest && reference.digest !== digest) {
    throw new Error(`the registry answered a manifest whose digest is ${digest}, not ${reference.digest}`);
  }
  const type = (answer.headers.get('content-type') ?? '').replace(/;.*$/s, '').trim();
  const body = answer.json() as Index & { mediaType?: unknown };
  const isIndex = INDEX_TYPES.includes(type) || INDEX_TYPES.includes(String(body.mediaType));
  if (!isIndex) return { indexPlatforms: [], manifests: [{ digest }] };
  const entries = indexEntries(body);
  const chosen = selectPlatforms(entries, args.choice);
  return { indexDigest: digest, indexPlatforms: entries.map((e) => e.platform), manifests: chosen };
}

/** `linux/arm64/v8` per entry; attestation manifests (`unknown/unknown`) are not images. */
function indexEntries(index: Index): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const entry of index.manifests ?? []) {
    const { os, architecture, variant } = entry.platform ?? {};
    if (typeof entry.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(entry.digest)) continue;
    if (typeof os !== 'string' || typeof architecture !== 'string' || os === 'unknown') continue;
    const platform = [os, architecture, typeof variant === 'string' && variant ? variant : undefined];
    entries.push({ digest: entry.digest, platform: platform.filter(Boolean).join('/') });
  }
  return entries;
}

/** GET the manifest; on a 401, the login as the registry's challenge asks for it (Basic, or a Bearer token). */
async function getManifest(args: ResolveArgs): Promise<HttpAnswer> {
  const { reference } = args;
  const origin = `https://${registryHost(reference)}`;
  const url = `${origin}/v2/${reference.repository}/manifests/${reference.digest ?? reference.tag ?? 'latest'}`;
  const request = {
    url,
    headers: { Accept: [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ') },
    maxBytes: MAX_MANIFEST_BYTES,
    describe: describeRegistryFailure(reference),
  };
  const secrets = args.login ? [args.login.password] : [];
  const anonymous = httpClient({ service: reference.registry, timeoutMs: args.timeoutMs, retry: args.retry, secrets });
  const first = await anonymous.send({ ...request, accept: [401] });
  if (first.status !== 401) return first;
  const authorization = await authorize({ ...args, challenge: first.headers.get('www-authenticate') ?? '' });
  const client = httpClient({
    service: reference.registry,
    credential: { origin, headers: { Authorization: authorization } },
    secrets,
    timeoutMs: args.timeoutMs,
    retry: args.retry,
  });
  return client.send(request);
}

/** The Authorization header the challenge asks for: Basic with the login, or a Bearer token from its realm. */
async function authorize(args: ResolveArgs & { challenge: string }): Promise<string> {
  const { login, reference } = args;
  const scheme = /^\s*(\w+)/.exec(args.challenge)?.[1]?.toLowerCase();
  const basic = login ? `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}` : undefined;
  if (scheme === 'basic') {
    if (!basic) throw new Error(`${reference.registry} asks for a login and none is configured for it`);
    return basic;
  }
  if (scheme !== 'bearer') throw new Error(`${reference.registry} asks for an unknown kind of login ('${scheme}')`);
  const params = Object.fromEntries(
    [...args.challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [(m[1] ?? '').toLowerCase(), m[2] ?? '']),
  );
  const realm = new URL(params.realm ?? '');
  const refused = realmRefusal(realm, registryHost(reference));
  if (refused) throw new Error(`${reference.registry} names a token service ${refused} (${realm.origin}): refused`);
  if (params.service) realm.searchParams.set('service', params.service);
  realm.searchParams.set('scope', `repository:${reference.repository}:pull`);
  // The login goes to the token service the registry names, as Docker sends it (auth.docker.io for Docker Hub).
  const tokens = httpClient({
    service: `${reference.registry}'s token service`,
    ...(basic ? { credential: { origin: realm.origin, headers: { Authorization: basic } } } : {}),
    secrets: login ? [login.password] : [],
    timeoutMs: args.timeoutMs,
    retry: args.retry,
  });
  const answer = (await tokens.send({ url: realm, maxBytes: 256 * 1024 })).json() as {
    token?: unknown;
    access_token?: unknown;
  };
  const token = typeof answer.token === 'string' ? answer.token : answer.access_token;
  if (typeof token !== 'string' || token === '') throw new Error(`${reference.registry}'s token service gave no token`);
  return `Bearer ${token}`;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Why a token realm is not asked, if it is not: plain http off loopback (the login would travel in clear), or a
 * private, loopback or link-local address other than the registry's own host (a registry must not point the job's
 * login at the runner's network: Trivy's registry client refuses the same).
 */
export function realmRefusal(realm: URL, registryHost: string): string | undefined {
  const host = realm.hostname;
  if (realm.protocol !== 'https:' && !LOOPBACK.includes(host)) return 'over plain http';
  const registryName = registryHost.replace(/:\d+$/, '');
  if (isPrivateAddress(host) && host !== registryName) return 'on a private address';
  return undefined;
}

function isPrivateAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || /^f[cd]/.test(bare) || bare.startsWith('fe80:')) return true;
  const octets = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(bare);
  if (!octets) return false;
  const [a, b] = [Number(octets[1]), Number(octets[2])];
  return (
    a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)
  );
}

/** The registry's error code (MANIFEST_UNKNOWN, UNAUTHORIZED, DENIED), never its message: that may echo the request. */
function describeRegistryFailure(reference: ImageReference): (failure: HttpFailure) => string {
  return (failure) => {
    let code = '';
    try {
      const parsed = JSON.parse(failure.body) as { errors?: { code?: unknown }[] };
      const first = parsed.errors?.[0]?.code;
      if (typeof first === 'string' && /^[A-Z_]{1,40}$/.test(first)) code = ` ${first}`;
    } catch {
      // Not the API's JSON: the status says enough.
    }
    const what = `${reference.registry} answered ${failure.status}${code}`;
    if (failure.status === 404) return `${what}: no such tag or digest`;
    if (failure.status === 401 || failure.status === 403) return `${what}: the login was refused`;
    if (failure.redirectTo !== undefined)
      return `${what}: a redirect to ${failure.redirectTo || 'nowhere'}, not followed`;
    return what;
  };
}

/** One line for a lookup that failed, for the image's scan error. */
export function resolveFailure(err: unknown): string {
  return describeError(err);
}
