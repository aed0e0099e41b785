import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { readImageLayers } from '../../src/trivy/image-layers.js';
import { writeImageView } from '../../src/trivy/image-view.js';
import { LayerStore, type ArchiveLayers } from '../../src/trivy/layer-verification.js';
import { layerTar, sha256, writeImage, writeOciLayoutDir, type ImageSpec } from '../../test/support/image-tarball.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-verify-'));
const base = [{ path: 'etc/os-release', content: 'ID=debian\n' }];
const spec = (app: string): ImageSpec => ({
  repoTag: `shop/${app}:1`,
  layers: [base, [{ path: 'app/a.txt', content: `${app}-CONTENT\n` }]],
});
const NAMESPACE = JSON.stringify(['0.74.0', ['image', '--scanners', 'vuln,secret']]);

async function layersOf(source: string, namespace = NAMESPACE): Promise<ArchiveLayers> {
  const archive = await readImageLayers(source);
  return { source, diffIds: archive.diffIds, places: archive.layers, namespace };
}

test('each layer is copied once per run from the first archive that has it, and the copy is its diff ID', async () => {
  const dir = tmp();
  await writeImage(path.join(dir, 'legacy.tar'), spec('api'));
  await writeImage(path.join(dir, 'oci.tar'), spec('web'), 'oci');
  await writeOciLayoutDir(path.join(dir, 'layout'), spec('worker'));
  const store = new LayerStore(path.join(tmp(), 'store'));
  const first = await store.layers(await layersOf(path.join(dir, 'legacy.tar')), true);
  expect(first.counts).toEqual({ hashed: 2, known: 0 });
  for (const layer of first.files) {
    expect('file' in layer).toBe(true);
    if ('file' in layer) expect(`sha256:${sha256(readFileSync(layer.file))}`).toBe(layer.diffId);
  }
  // The base is this run's copy already: linked, not read again.
  expect((await store.layers(await layersOf(path.join(dir, 'oci.tar')), true)).counts).toEqual({ hashed: 1, known: 1 });
  expect((await store.layers(await layersOf(path.join(dir, 'layout')), true)).counts).toEqual({ hashed: 1, known: 1 });
  await store.close();
});

test('kept between runs: a checked layer is left out of the next run’s layout, unless every layer is asked for', async () => {
  const dir = tmp();
  const kept = path.join(tmp(), 'verified');
  await writeImage(path.join(dir, 'api.tar'), spec('api'));
  await writeImage(path.join(dir, 'api-next.tar'), spec('api-next'));
  const first = new LayerStore(tmp(), kept);
  const scanned = await first.layers(await layersOf(path.join(dir, 'api.tar')), true);
  expect(scanned.counts).toEqual({ hashed: 2, known: 0 });
  // Checked but not yet scanned by Trivy: not in its cache, so not kept.
  expect((await new LayerStore(tmp(), kept).layers(await layersOf(path.join(dir, 'api.tar')), true)).counts).toEqual({
    hashed: 2,
    known: 0,
  });
  // Trivy scanned the layout: the next run leaves those layers out.
  await first.remember(NAMESPACE, scanned.files);
  const next = await new LayerStore(tmp(), kept).layers(await layersOf(path.join(dir, 'api-next.tar')), true);
  expect(next.counts).toEqual({ hashed: 1, known: 1 });
  // The base is left out, with its size for the manifest; the new app layer is in.
  expect(next.files.map((f) => 'file' in f)).toEqual([false, true]);
  expect(next.files[0]!.size).toBe((await readImageLayers(path.join(dir, 'api.tar'))).layers[0]!.size);
  const full = await new LayerStore(tmp(), kept).layers(await layersOf(path.join(dir, 'api-next.tar')), false);
  expect(full.files.every((f) => 'file' in f)).toBe(true);
  // Another Trivy version (or other flags) is another namespace: its cache keys differ, so nothing is left out.
  const other = JSON.stringify(['0.75.0', ['image']]);
  const otherTrivy = await new LayerStore(tmp(), kept).layers(await layersOf(path.join(dir, 'api.tar'), other), true);
  expect(otherTrivy.counts).toEqual({ hashed: 2, known: 0 });
});

test('a layer whose bytes are not its diff ID never reaches the layout; another archive’s honest copy is checked anew', async () => {
  const dir = tmp();
  const honest = path.join(dir, 'honest.tar');
  await writeImage(honest, spec('api'));
  const tampered = path.join(dir, 'tampered.tar');
  // The same archive with the app file's bytes changed in place: headers, sizes and the config are untouched.
  const bytes = readFileSync(honest);
  const at = bytes.indexOf('api-CONTENT');
  expect(at).toBeGreaterThan(0);
  bytes.write('EVIL', at);
  writeFileSync(tampered, bytes);
  const kept = path.join(tmp(), 'verified');
  const storeDir = path.join(tmp(), 'store');
  const store = new LayerStore(storeDir, kept);
  await expect(store.layers(await layersOf(tampered), true)).rejects.toThrow(
    /tampered\.tar: not judged: layer 2 is not the layer its config names \(diff ID sha256:[0-9a-f]{64}, its bytes hash to sha256:[0-9a-f]{64}\)$/,
  );
  // Nothing of it is in the store (no partial file either), and no check of it was kept.
  const layer2 = (await readImageLayers(honest)).diffIds[1]!;
  expect(readdirSync(storeDir).filter((name) => name !== layer2.slice(7) && !/^[0-9a-f]{64}$/.test(name))).toEqual([]);
  expect(existsSync(path.join(storeDir, layer2.slice(7)))).toBe(false);
  // The honest archive in the same run: its own bytes for that layer are copied and checked.
  const honestLayers = await store.layers(await layersOf(honest), true);
  expect(honestLayers.counts).toEqual({ hashed: 1, known: 1 });
  expect(existsSync(path.join(storeDir, layer2.slice(7)))).toBe(true);
  await store.close();
  expect(existsSync(storeDir)).toBe(false);
});

test('compressed layers (gzip, zstd) are stored as their diff IDs are defined: decompressed', async () => {
  const dir = tmp();
  const tar = await layerTar([{ path: 'app/b.txt', content: 'b\n'.repeat(10_000) }]);
  const diffId = `sha256:${sha256(tar)}`;
  for (const [name, data] of [
    ['layer.tar.gz', gzipSync(tar)],
    ['layer.tar.zst', zstdCompressSync(tar)],
    ['layer.tar', tar],
  ] as const) {
    const file = path.join(dir, name);
    writeFileSync(file, data);
    const store = new LayerStore(path.join(tmp(), 'store'));
    const { files, counts } = await store.layers(
      {
        source: name,
        diffIds: [diffId],
        places: [{ file, offset: 0, size: data.length, blob: true }],
        namespace: NAMESPACE,
      },
      true,
    );
    expect([name, counts, files[0]!.size]).toEqual([name, { hashed: 1, known: 0 }, tar.length]);
    if ('file' in files[0]!) expect(readFileSync(files[0].file).equals(tar)).toBe(true);
  }
  const wrong = path.join(dir, 'wrong.tar.gz');
  writeFileSync(wrong, gzipSync(Buffer.concat([tar, Buffer.alloc(512)])));
  const place = { file: wrong, offset: 0, size: statSync(wrong).size, blob: true };
  await expect(
    new LayerStore(tmp()).layers(
      { source: 'wrong.tar.gz', diffIds: [diffId], places: [place], namespace: NAMESPACE },
      true,
    ),
  ).rejects.toThrow(/its decompressed bytes hash to/);
  // A gzip stream whose check fails (its CRC changed) is not stored either.
  const broken = gzipSync(tar);
  broken.writeUInt8(broken.readUInt8(broken.length - 8) ^ 0xff, broken.length - 8);
  writeFileSync(wrong, broken);
  await expect(
    new LayerStore(tmp()).layers(
      { source: 'bad.tar.gz', diffIds: [diffId], places: [place], namespace: NAMESPACE },
      true,
    ),
  ).rejects.toThrow(/bad\.tar\.gz: not judged: layer 1 \(sha256:[0-9a-f]{64}\) cannot be read/);
});

test('the layout names the config byte for byte and each layer by its diff ID (a hard link to its copy); a left-out layer has no blob', async () => {
  const dir = tmp();
  await writeImage(path.join(dir, 'api.tar'), spec('api'));
  const archive = await readImageLayers(path.join(dir, 'api.tar'));
  const store = new LayerStore(path.join(tmp(), 'store'));
  const { files } = await store.layers(await layersOf(path.join(dir, 'api.tar')), true);
  const view = path.join(tmp(), 'view');
  await writeImageView({
    dir: view,
    config: archive.config,
    layers: [{ diffId: files[0]!.diffId, size: 9 }, files[1]!],
  });
  const index = JSON.parse(readFileSync(path.join(view, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(
    readFileSync(path.join(view, 'blobs', 'sha256', index.manifests[0]!.digest.slice(7)), 'utf8'),
  ) as { config: { digest: string }; layers: { digest: string; size: number }[] };
  expect(manifest.config.digest).toBe(archive.imageId);
  expect(readFileSync(path.join(view, 'blobs', 'sha256', archive.imageId.slice(7))).equals(archive.config)).toBe(true);
  expect(manifest.layers).toEqual([
    { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: archive.diffIds[0], size: 9 },
    { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: archive.diffIds[1], size: files[1]!.size },
  ]);
  expect(existsSync(path.join(view, 'blobs', 'sha256', archive.diffIds[0]!.slice(7)))).toBe(false);
  expect(statSync(path.join(view, 'blobs', 'sha256', archive.diffIds[1]!.slice(7))).nlink).toBe(2);
  await store.close();
});

test('copies go to memory (a tmpfs) while its budget lasts, then to the temp dir', async () => {
  const dir = tmp();
  await writeImage(path.join(dir, 'api.tar'), spec('api'));
  const archive = await readImageLayers(path.join(dir, 'api.tar'));
  const memory = path.join(tmp(), 'shm');
  const disk = path.join(tmp(), 'disk');
  // Room for the first layer only.
  const store = new LayerStore(disk, undefined, { dir: memory, bytes: archive.layers[0]!.size });
  const { files } = await store.layers(await layersOf(path.join(dir, 'api.tar')), true);
  expect(files.map((f) => ('file' in f ? path.dirname(f.file) : undefined)).sort()).toEqual([disk, memory].sort());
  // A layout beside its copies: in memory only when all of them are there.
  expect(store.viewsDirFor(files)).toBe(path.join(disk, 'views'));
  expect(store.viewsDirFor(files.filter((f) => 'file' in f && f.file.startsWith(memory)))).toBe(
    path.join(memory, 'views'),
  );
  await store.close();
  expect([existsSync(memory), existsSync(disk)]).toEqual([false, false]);
});

test('a decompression bomb in an OCI layout is stopped at its bound, not written out', async () => {
  const dir = tmp();
  const zeros = gzipSync(Buffer.alloc(100 * 1048576));
  const file = path.join(dir, 'blob');
  writeFileSync(file, zeros);
  const storeDir = path.join(tmp(), 'store');
  await expect(
    new LayerStore(storeDir).layers(
      {
        source: dir,
        diffIds: [`sha256:${'0'.repeat(64)}`],
        places: [{ file, offset: 0, size: zeros.length, blob: true }],
        namespace: NAMESPACE,
      },
      true,
    ),
  ).rejects.toThrow(/cannot be read: .*ETOOBIG/);
  expect(readdirSync(storeDir)).toEqual([]);
});

test('a kept check that is not a size (an older vulngate’s empty marker) is not trusted', async () => {
  const dir = tmp();
  const kept = path.join(tmp(), 'verified');
  await writeImage(path.join(dir, 'api.tar'), spec('api'));
  const store = new LayerStore(tmp(), kept);
  const { files } = await store.layers(await layersOf(path.join(dir, 'api.tar')), true);
  await store.remember(NAMESPACE, files);
  for (const marker of readdirSync(kept, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()))
    writeFileSync(path.join(marker.parentPath, marker.name), '');
  expect((await new LayerStore(tmp(), kept).layers(await layersOf(path.join(dir, 'api.tar')), true)).counts).toEqual({
    hashed: 2,
    known: 0,
  });
});
