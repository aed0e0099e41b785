// A local stand-in for GitHub's artifact backend as @actions/artifact (v2+) talks to it: Twirp CreateArtifact /
// FinalizeArtifact on ACTIONS_RESULTS_URL (JSON with the proto field names), and an Azure block-blob upload to the signed URL it hands out.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

export interface StoredArtifact {
  name: string;
  expiresAt?: string;
  zip: Buffer;
  id: number;
}

export interface ArtifactFake {
  resultsUrl: string;
  runtimeToken: string;
  artifacts: StoredArtifact[];
  failCreate: number;
  close(): Promise<void>;
}

const RUN = 'c0ffee00-0000-4000-8000-000000000001';
const JOB = 'c0ffee00-0000-4000-8000-000000000002';
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

export async function startArtifactFake(): Promise<ArtifactFake> {
  // Not signed: the client only decodes it to find the run and job, as on a runner.
  const runtimeToken = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ scp: `Actions.GenericRead Actions.Results:${RUN}:${JOB}` })}.c2ln`;
  const pending = new Map<string, { name: string; expiresAt?: string; blocks: Map<string, Buffer>; blob?: Buffer }>();
  let nextId = 4000;
  const fake = { artifacts: [] as StoredArtifact[], failCreate: 0 };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    const twirp = (status: number, payload: object) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const service = '/twirp/github.actions.results.api.v1.ArtifactService/';
    if (url.pathname.startsWith(service)) {
      if (req.headers.authorization !== `Bearer ${runtimeToken}`) return twirp(401, { code: 'unauthenticated', msg: 'invalid token' });
      const call = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      if (call.workflow_run_backend_id !== RUN || call.workflow_job_run_backend_id !== JOB) return twirp(400, { code: 'invalid_argument', msg: 'unknown run or job' });
      const method = url.pathname.slice(service.length);
      if (method === 'CreateArtifact') {
        if (fake.failCreate > 0) {
          fake.failCreate -= 1;
          return twirp(409, { code: 'already_exists', msg: 'an artifact with this name already exists on the workflow run' });
        }
        if (call.version !== 7) return twirp(400, { code: 'invalid_argument', msg: 'unsupported version' });
        const name = String(call.name);
        const key = `${name}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
        pending.set(key, { name, expiresAt: call.expires_at as string | undefined, blocks: new Map() });
        return twirp(200, { ok: true, signed_upload_url: `http://${req.headers.host}/blob/${key}?sv=2023-11-03&sig=c2ln` });
      }
      if (method === 'FinalizeArtifact') {
        const entry = [...pending.values()].find((p) => p.name === call.name);
        if (!entry?.blob) return twirp(404, { code: 'not_found', msg: 'no upload for this artifact' });
        const hash = `sha256:${createHash('sha256').update(entry.blob).digest('hex')}`;
        if (String(call.size) !== String(entry.blob.length)) return twirp(400, { code: 'invalid_argument', msg: `size ${call.size} does not match ${entry.blob.length}` });
        if ((call.hash as string | undefined) !== hash) return twirp(400, { code: 'invalid_argument', msg: 'hash does not match the uploaded bytes' });
        const id = (nextId += 1);
        fake.artifacts.push({ name: entry.name, expiresAt: entry.expiresAt, zip: entry.blob, id });
        return twirp(200, { ok: true, artifact_id: String(id) });
      }
      return twirp(404, { code: 'bad_route', msg: `no handler for ${method}` });
    }
    const blob = /^\/blob\/(.+)$/.exec(url.pathname);
    if (blob && req.method === 'PUT' && url.searchParams.get('sig') === 'c2ln') {
      const entry = pending.get(blob[1]!);
      if (!entry) return res.writeHead(404).end();
      const comp = url.searchParams.get('comp');
      if (comp === 'block') entry.blocks.set(url.searchParams.get('blockid') ?? '', body);
      else if (comp === 'blocklist') {
        const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)<\//g)].map((m) => m[1]!);
        entry.blob = Buffer.concat(ids.map((id) => entry.blocks.get(id) ?? Buffer.alloc(0)));
      } else entry.blob = body;
      return res.writeHead(201, { 'x-ms-request-id': 'r1', 'x-ms-version': '2023-11-03', etag: '"0x1"', 'last-modified': new Date().toUTCString() }).end();
    }
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
