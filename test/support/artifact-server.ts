// A local stand-in for GitHub's results service as @actions/artifact and @actions/cache (v2) talk to it: Twirp
// CreateArtifact /
// FinalizeArtifact on ACTIONS_RESULTS_URL (JSON with the proto field names), and the blob upload to the signed URL
// it hands out.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { BlobStore } from './blob-store.ts';

export interface StoredArtifact {
  name: string;
  expiresAt?: string;
  zip: Buffer;
  id: number;
}

export interface CacheEntry {
  key: string;
  version: string;
  blobKey: string;
  size: number;
  finalized: boolean;
}

export interface ArtifactFake {
  resultsUrl: string;
  runtimeToken: string;
  artifacts: StoredArtifact[];
  /** The Actions cache (CacheService v2) on the same results service. */
  caches: CacheEntry[];
  cacheArchive(key: string): Buffer | undefined;
  failCreate: number;
  close(): Promise<void>;
}

const RUN = 'c0ffee00-0000-4000-8000-000000000001';
const JOB = 'c0ffee00-0000-4000-8000-000000000002';
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

export async function startArtifactFake(): Promise<ArtifactFake> {
  // Not signed: the client only decodes it to find the run and job, as on a runner.
  const runtimeToken = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ scp: `Actions.GenericRead Actions.Results:${RUN}:${JOB}` })}.c2ln`;
  const pending = new Map<string, { name: string; expiresAt?: string }>();
  const store = new BlobStore();
  let nextId = 4000;
  const caches: CacheEntry[] = [];
  const fake = {
    artifacts: [] as StoredArtifact[],
    failCreate: 0,
    caches,
    cacheArchive: (key: string) => {
      const entry = caches.find((c) => c.key === key && c.finalized);
      return entry ? store.blobs.get(entry.blobKey) : undefined;
    },
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    const twirp = (status: number, payload: object) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const cacheService = '/twirp/github.actions.results.api.v1.CacheService/';
    if (url.pathname.startsWith(cacheService)) {
      if (req.headers.authorization !== `Bearer ${runtimeToken}`)
        return twirp(401, { code: 'unauthenticated', msg: 'invalid token' });
      const call = JSON.parse(body.toString('utf8')) as {
        key?: string;
        version?: string;
        restore_keys?: string[];
        size_bytes?: string;
      };
      const method = url.pathname.slice(cacheService.length);
      const host = String(req.headers.host);
      if (method === 'GetCacheEntryDownloadURL') {
        const ready = caches.filter((c) => c.finalized && c.version === call.version);
        // Exact key first, then the newest entry whose key starts with a restore key, as the service does.
        const hit =
          ready.find((c) => c.key === call.key) ??
          [...ready].reverse().find((c) => (call.restore_keys ?? []).some((k) => c.key.startsWith(k)));
        return hit
          ? twirp(200, { ok: true, signed_download_url: store.url(host, hit.blobKey), matched_key: hit.key })
          : twirp(200, { ok: false });
      }
      if (method === 'CreateCacheEntry') {
        if (caches.some((c) => c.key === call.key && c.version === call.version))
          return twirp(409, {
            code: 'already_exists',
            msg: 'cache entry with the same key and version already exists',
          });
        const entry = {
          key: call.key ?? '',
          version: call.version ?? '',
          blobKey: `cache-${caches.length}`,
          size: 0,
          finalized: false,
        };
        caches.push(entry);
        return twirp(200, { ok: true, signed_upload_url: store.url(host, entry.blobKey) });
      }
      if (method === 'FinalizeCacheEntryUpload') {
        const entry = caches.find((c) => c.key === call.key && c.version === call.version && !c.finalized);
        const blob = entry ? store.blobs.get(entry.blobKey) : undefined;
        if (!entry || !blob) return twirp(404, { code: 'not_found', msg: 'no upload for this cache entry' });
        if (String(blob.length) !== String(call.size_bytes))
          return twirp(400, { code: 'invalid_argument', msg: 'size does not match the uploaded bytes' });
        entry.size = blob.length;
        entry.finalized = true;
        return twirp(200, { ok: true, entry_id: String(caches.indexOf(entry) + 1) });
      }
      return twirp(404, { code: 'bad_route', msg: `no handler for ${method}` });
    }
    const service = '/twirp/github.actions.results.api.v1.ArtifactService/';
    if (url.pathname.startsWith(service)) {
      if (req.headers.authorization !== `Bearer ${runtimeToken}`)
        return twirp(401, { code: 'unauthenticated', msg: 'invalid token' });
      const call = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      if (call.workflow_run_backend_id !== RUN || call.workflow_job_run_backend_id !== JOB)
        return twirp(400, { code: 'invalid_argument', msg: 'unknown run or job' });
      const method = url.pathname.slice(service.length);
      if (method === 'CreateArtifact') {
        if (fake.failCreate > 0) {
          fake.failCreate -= 1;
          return twirp(409, {
            code: 'already_exists',
            msg: 'an artifact with this name already exists on the workflow run',
          });
        }
        if (call.version !== 7) return twirp(400, { code: 'invalid_argument', msg: 'unsupported version' });
        const name = String(call.name);
        const key = `${name}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
        pending.set(key, { name, expiresAt: call.expires_at as string | undefined });
        return twirp(200, { ok: true, signed_upload_url: store.url(String(req.headers.host), key) });
      }
      if (method === 'FinalizeArtifact') {
        const found = [...pending.entries()].find(([, p]) => p.name === call.name);
        const blob = found ? store.blobs.get(found[0]) : undefined;
        if (!found || !blob) return twirp(404, { code: 'not_found', msg: 'no upload for this artifact' });
        const hash = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
        if (String(call.size) !== String(blob.length))
          return twirp(400, { code: 'invalid_argument', msg: `size ${call.size} does not match ${blob.length}` });
        if ((call.hash as string | undefined) !== hash)
          return twirp(400, { code: 'invalid_argument', msg: 'hash does not match the uploaded bytes' });
        const id = (nextId += 1);
        fake.artifacts.push({ name: found[1].name, expiresAt: found[1].expiresAt, zip: blob, id });
        return twirp(200, { ok: true, artifact_id: String(id) });
      }
      return twirp(404, { code: 'bad_route', msg: `no handler for ${method}` });
    }
    if (store.handle(req, res, body)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(fake, {
    resultsUrl: `http://127.0.0.1:${port}/`,
    runtimeToken,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** File names in a zip, read from its central directory. */
export function zipEntries(zip: Buffer): string[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const nameLength = zip.readUInt16LE(offset + 28);
    const extra = zip.readUInt16LE(offset + 30);
    const comment = zip.readUInt16LE(offset + 32);
    names.push(zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8'));
    offset += 46 + nameLength + extra + comment;
  }
  return names.sort();
}
