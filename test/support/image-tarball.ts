// Writes container image archives that Trivy reads like the real thing: `docker save` archives and OCI image layouts.
// Deterministic: the same files give the same bytes, digests and diff_ids on every machine.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tarStream from 'tar-stream';

export interface ImageFile {
  path: string;
  content: string | Buffer;
  mode?: number;
}

export interface ImageSpec {
  /** Without a tag the archive has no RepoTags, like `docker save <image id>`. */
  repoTag?: string;
  layers: ImageFile[][];
  /** Extra bytes per layer, to make large images for benchmarks. */
  padding?: number;
}

const MTIME = new Date('2024-01-01T00:00:00Z');

async function toBuffer(pack: tarStream.Pack): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface EntryHeader {
  name: string;
  type: 'file' | 'directory';
  mode: number;
}

function addEntry(pack: tarStream.Pack, header: EntryHeader, body: Buffer = Buffer.alloc(0)): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ ...header, mtime: MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root' }, body, (err) =>
      err ? reject(err) : resolve(),
    );
  });
}

/** A layer tar with parent directories, entries sorted. */
export async function layerTar(files: ImageFile[], padding = 0): Promise<Buffer> {
  const pack = tarStream.pack();
  const done = toBuffer(pack);
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.path.replace(/^\//, '').split('/');
    for (let i = 1; i < parts.length; i += 1) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries = [
    ...[...dirs].map((d) => ({ name: `${d}/`, dir: true as const })),
    ...files.map((f) => ({ name: f.path.replace(/^\//, ''), dir: false as const, file: f })),
  ].sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.dir) await addEntry(pack, { name: entry.name, type: 'directory', mode: 0o755 });
    else
      await addEntry(
        pack,
        { name: entry.name, type: 'file', mode: entry.file.mode ?? 0o644 },
        Buffer.from(entry.file.content),
      );
  }
  if (padding > 0) {
    // Text files Trivy really reads (its secret scanner skips binary ones): reproducible hex of a hash chain, 1 MiB
    // each.
    let block = createHash('sha256').update('vulngate-padding').digest();
    for (let part = 0; part * 1048576 < padding; part += 1) {
      const size = Math.min(1048576, padding - part * 1048576);
      const lines: string[] = [];
      for (let len = 0; len < size; len += 65) {
        lines.push(block.toString('hex'));
        block = createHash('sha256').update(block).digest();
      }
      const text = Buffer.from(`${lines.join('\n')}\n`).subarray(0, size);
      await addEntry(
        pack,
        { name: `opt/data/part-${String(part).padStart(4, '0')}.txt`, type: 'file', mode: 0o644 },
        text,
      );
    }
  }
  pack.finalize();
  return done;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

interface BuiltLayers {
  layers: { tar: Buffer; digest: string }[];
  config: Buffer;
  configDigest: string;
}

async function buildLayers(spec: ImageSpec): Promise<BuiltLayers> {
  const layers = [];
  for (const [i, files] of spec.layers.entries()) {
    const tar = await layerTar(files, i === 0 ? (spec.padding ?? 0) : 0);
    layers.push({ tar, digest: sha256(tar) });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: MTIME.toISOString(),
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${l.digest}`) },
      history: layers.map((_, i) => ({ created: MTIME.toISOString(), created_by: `vulngate fixture layer ${i + 1}` })),
    }),
  );
  return { layers, config, configDigest: sha256(config) };
}

/** The classic `docker save` archive: manifest.json, <config>.json, <layer>/layer.tar. */
export async function dockerSaveArchive(spec: ImageSpec): Promise<Buffer> {
  const { layers, config, configDigest } = await buildLayers(spec);
  const pack = tarStream.pack();
  const done = toBuffer(pack);
  for (const layer of layers) {
    await addEntry(pack, { name: `${layer.digest}/`, type: 'directory', mode: 0o755 });
    await addEntry(pack, { name: `${layer.digest}/VERSION`, type: 'file', mode: 0o644 }, Buffer.from('1.0'));
    await addEntry(pack, { name: `${layer.digest}/layer.tar`, type: 'file', mode: 0o644 }, layer.tar);
  }
  await addEntry(pack, { name: `${configDigest}.json`, type: 'file', mode: 0o644 }, config);
  const manifest = [
    {
      Config: `${configDigest}.json`,
      RepoTags: spec.repoTag ? [spec.repoTag] : null,
      Layers: layers.map((l) => `${l.digest}/layer.tar`),
    },
  ];
  await addEntry(pack, { name: 'manifest.json', type: 'file', mode: 0o644 }, Buffer.from(JSON.stringify(manifest)));
  pack.finalize();
  return done;
}

/** The files of an OCI image layout (oci-layout, index.json, blobs/sha256/…), plus docker's manifest.json. */
async function ociLayoutFiles(spec: ImageSpec): Promise<{ name: string; body: Buffer }[]> {
  const { layers, config, configDigest } = await buildLayers(spec);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${configDigest}`,
        size: config.length,
      },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: `sha256:${l.digest}`,
        size: l.tar.length,
      })),
    }),
  );
  const manifestDigest = sha256(manifest);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${manifestDigest}`,
        size: manifest.length,
        ...(spec.repoTag
          ? {
              annotations: {
                'io.containerd.image.name': spec.repoTag,
                'org.opencontainers.image.ref.name': spec.repoTag.split(':').pop(),
              },
            }
          : {}),
      },
    ],
  };
  const blobs = [
    ...layers.map((l) => ({ digest: l.digest, body: l.tar })),
    { digest: configDigest, body: config },
    { digest: manifestDigest, body: manifest },
  ];
  // Docker >= 25 writes this beside the layout so older readers still find the image.
  const dockerManifest = [
    {
      Config: `blobs/sha256/${configDigest}`,
      RepoTags: spec.repoTag ? [spec.repoTag] : null,
      Layers: layers.map((l) => `blobs/sha256/${l.digest}`),
    },
  ];
  return [
    ...blobs
      .sort((a, b) => a.digest.localeCompare(b.digest))
      .map((b) => ({ name: `blobs/sha256/${b.digest}`, body: b.body })),
    { name: 'index.json', body: Buffer.from(JSON.stringify(index)) },
    { name: 'manifest.json', body: Buffer.from(JSON.stringify(dockerManifest)) },
    { name: 'oci-layout', body: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
  ];
}

/** `docker save` as Docker >= 25 writes it: an OCI image layout with manifest.json, in one tar. */
export async function ociLayoutArchive(spec: ImageSpec): Promise<Buffer> {
  const pack = tarStream.pack();
  const done = toBuffer(pack);
  await addEntry(pack, { name: 'blobs/', type: 'directory', mode: 0o755 });
  await addEntry(pack, { name: 'blobs/sha256/', type: 'directory', mode: 0o755 });
  for (const file of await ociLayoutFiles(spec))
    await addEntry(pack, { name: file.name, type: 'file', mode: 0o644 }, file.body);
  pack.finalize();
  return done;
}

/** An OCI image layout as a directory (what `skopeo copy … oci:DIR` writes). */
export async function writeOciLayoutDir(dir: string, spec: ImageSpec): Promise<void> {
  for (const file of await ociLayoutFiles(spec)) {
    await mkdir(path.join(dir, path.dirname(file.name)), { recursive: true });
    await writeFile(path.join(dir, file.name), file.body);
  }
}

export async function writeImage(file: string, spec: ImageSpec, format: 'docker' | 'oci' = 'docker'): Promise<void> {
  await writeFile(file, format === 'docker' ? await dockerSaveArchive(spec) : await ociLayoutArchive(spec));
}
