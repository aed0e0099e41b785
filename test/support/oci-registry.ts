// An OCI registry on 127.0.0.1 serving the fixture vulnerability DB the way ghcr.io serves trivy-db:2 — a manifest
// with Trivy's config type and one db.tar.gz layer — so Trivy's own DB download runs offline. Scripted 429
// TOOMANYREQUESTS answers stand for a registry's rate limit. Loopback registries are spoken to over plain HTTP.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function dbLayer(dbDir: string): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const name of ['trivy.db', 'metadata.json']) {
    const body = readFileSync(path.join(dbDir, name));
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name, mode: 0o644 }, body, (e) => (e ? reject(e) : resolve())),
    );
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

export interface RegistryFake {
  host: string;
  /** `<host>/<name>:2` */
  repository(name: string): string;
  requests: { method: string; path: string; status: number }[];
  rateLimitNext(times: number): void;
  close(): Promise<void>;
}

export async function startDbRegistry(opts: { dbDir: string; repositories: string[] }): Promise<RegistryFake> {
  const layer = await dbLayer(opts.dbDir);
  const config = Buffer.from('{}');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.aquasec.trivy.config.v1+json', digest: sha(config), size: config.length },
      layers: [
        {
          mediaType: 'application/vnd.aquasec.trivy.db.layer.v1.tar+gzip',
          digest: sha(layer),
          size: layer.length,
          annotations: { 'org.opencontainers.image.title': 'db.tar.gz' },
        },
      ],
      annotations: { 'org.opencontainers.image.created': '2026-11-23T00:00:00Z' },
    }),
  );
  const blobs = new Map([
    [sha(config), config],
    [sha(layer), layer],
  ]);
  const requests: RegistryFake['requests'] = [];
  let limited = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: Buffer | string, headers: Record<string, string | number> = {}) => {
      requests.push({ method: req.method ?? 'GET', path: url.pathname, status });
      res.writeHead(status, { 'docker-distribution-api-version': 'registry/2.0', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const error = (status: number, code: string, message: string) =>
      send(status, JSON.stringify({ errors: [{ code, message }] }), { 'content-type': 'application/json' });
    if (url.pathname === '/v2/' || url.pathname === '/v2')
      return send(200, '{}', { 'content-type': 'application/json' });
    if (limited > 0) {
      limited -= 1;
      return error(429, 'TOOMANYREQUESTS', 'You have reached your pull rate limit.');
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (!m || !opts.repositories.includes(m[1]!))
      return error(404, 'NAME_UNKNOWN', 'repository name not known to registry');
    if (m[2] === 'manifests') {
      if (m[3] !== '2' && m[3] !== sha(manifest)) return error(404, 'MANIFEST_UNKNOWN', 'manifest unknown');
      return send(200, manifest, {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
        'docker-content-digest': sha(manifest),
        'content-length': manifest.length,
      });
    }
    const blob = blobs.get(m[3]!);
    if (!blob) return error(404, 'BLOB_UNKNOWN', 'blob unknown to registry');
    return send(200, blob, {
      'content-type': 'application/octet-stream',
      'docker-content-digest': m[3]!,
      'content-length': blob.length,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    host,
    repository: (name) => `${host}/${name}:2`,
    requests,
    rateLimitNext: (times) => void (limited = times),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
