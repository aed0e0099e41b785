import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { readImageLayers } from '../../src/trivy/image-layers.js';
import { LayerVerifier } from '../../src/trivy/layer-verification.js';
import { layerTar, sha256, writeImage, writeOciLayoutDir, type ImageSpec } from '../../test/support/image-tarball.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-verify-'));
const base = [{ path: 'etc/os-release', content: 'ID=debian\n' }];
const spec = (app: string): ImageSpec => ({
  repoTag: `shop/${app}:1`,
  layers: [base, [{ path: 'app/a.txt', content: `${app}-CONTENT\n` }]],
});
const NAMESPACE = JSON.stringify(['0.74.0', ['image', '--scanners', 'vuln,secret']]);

async function check(verifier: LayerVerifier, source: string) {
  const archive = await readImageLayers(source);
  return (await verifier.verify({ source, diffIds: archive.diffIds, places: archive.layers, namespace: NAMESPACE }))
    .counts;
}

test('every layer of a docker save archive, a Docker >= 25 archive and an OCI layout is hashed once', async () => {
  const dir = tmp();
  await writeImage(path.join(dir, 'legacy.tar'), spec('api'));
  await writeImage(path.join(dir, 'oci.tar'), spec('web'), 'oci');
  await writeOciLayoutDir(path.join(dir, 'layout'), spec('worker'));
  const verifier = new LayerVerifier();
  // The base layer is hashed for the first archive; the others find it checked in this run.
  expect(await check(verifier, path.join(dir, 'legacy.tar'))).toEqual({ hashed: 2, known: 0 });
  expect(await check(verifier, path.join(dir, 'oci.tar'))).toEqual({ hashed: 1, known: 1 });
  expect(await check(verifier, path.join(dir, 'layout'))).toEqual({ hashed: 1, known: 1 });
  expect(verifier.mismatched).toBe(false);
});

test('kept between runs: the next run reads only new layers; another Trivy or other flags read them again', async () => {
  const dir = tmp();
  const kept = path.join(tmp(), 'verified');
  await writeImage(path.join(dir, 'api.tar'), spec('api'));
  await writeImage(path.join(dir, 'api-next.tar'), spec('api-next'));
  expect(await check(new LayerVerifier(kept), path.join(dir, 'api.tar'))).toEqual({ hashed: 2, known: 0 });
  expect(await check(new LayerVerifier(kept), path.join(dir, 'api.tar'))).toEqual({ hashed: 0, known: 2 });
  expect(await check(new LayerVerifier(kept), path.join(dir, 'api-next.tar'))).toEqual({ hashed: 1, known: 1 });
  const archive = await readImageLayers(path.join(dir, 'api.tar'));
  const { counts: otherTrivy } = await new LayerVerifier(kept).verify({
    source: 'api.tar',
    diffIds: archive.diffIds,
    places: archive.layers,
    namespace: JSON.stringify(['0.75.0', ['image', '--scanners', 'vuln,secret']]),
  });
  expect(otherTrivy).toEqual({ hashed: 2, known: 0 });
});

test('a layer whose bytes are not its diff ID: not judged, and an archive naming that layer in the run neither', async () => {
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
  const kept = path.join(tmp(), 'fanal', 'verified');
  mkdirSync(kept, { recursive: true });
  const verifier = new LayerVerifier(kept);
  await expect(check(verifier, tampered)).rejects.toThrow(
    /tampered\.tar: not judged: layer 2 is not the layer its config names \(diff ID sha256:[0-9a-f]{64}, its bytes hash to sha256:[0-9a-f]{64}\)$/,
  );
  expect(verifier.mismatched).toBe(true);
  // Said beside the cache at once: a run that dies now still leaves the next one a fresh cache.
  expect(existsSync(path.join(path.dirname(kept), 'vulngate-dirty'))).toBe(true);
  // The honest archive's own check passes (its layer 2 was the tampered one's check, now failed: counted, not hashed),
  // but its report cannot count: Trivy may have analysed the tampered bytes under that diff ID in this run.
  const archive = await readImageLayers(honest);
  expect(await check(verifier, honest)).toEqual({ hashed: 0, known: 2 });
  expect(verifier.untrusted(honest, archive.diffIds)).toMatch(
    /^not judged: it names layer 2 \(sha256:[0-9a-f]{64}\), whose bytes did not match in .*tampered\.tar, and Trivy may have analysed those$/,
  );
  expect(verifier.untrusted(tampered, archive.diffIds)).toBeUndefined();
});

test('after Trivy: a layer it analysed that this archive did not hash (another archive checked it) is hashed now', async () => {
  const dir = tmp();
  const honest = path.join(dir, 'a.tar');
  await writeImage(honest, spec('api'));
  const evil = path.join(dir, 'b.tar');
  const bytes = readFileSync(honest);
  bytes.write('EVIL', bytes.indexOf('api-CONTENT'));
  writeFileSync(evil, bytes);
  const verifier = new LayerVerifier();
  const layersOf = async (source: string) => {
    const archive = await readImageLayers(source);
    return { source, diffIds: archive.diffIds, places: archive.layers, namespace: NAMESPACE };
  };
  const a = await layersOf(honest);
  const b = await layersOf(evil);
  const first = await verifier.verify(a);
  // b's scan ran alongside a's: both layers were a's to check, so b hashed none of its own.
  const second = await verifier.verify(b);
  expect(second.counts).toEqual({ hashed: 0, known: 2 });
  // Trivy says it analysed b's layer 2 (it was not in its cache yet): b's own bytes for it are hashed, and differ.
  await expect(verifier.confirm(b, second, new Set([b.diffIds[1]!]))).rejects.toThrow(
    /b\.tar: not judged: layer 2 is not/,
  );
  // a analysed both itself: nothing more to hash. Its report still cannot count: b's bytes may be in the cache.
  expect(await verifier.confirm(a, first, new Set(a.diffIds))).toEqual({ hashed: 2, known: 0 });
  expect(verifier.untrusted(honest, a.diffIds)).toMatch(/whose bytes did not match in .*b\.tar/);
  // Trivy silent about which layers it analysed: every layer this archive did not hash is hashed.
  const silent = new LayerVerifier();
  await silent.verify(a);
  const c = await silent.verify(a);
  expect(await silent.confirm(a, c, undefined)).toEqual({ hashed: 2, known: 0 });
});

test('compressed layers (gzip, zstd) are checked as their diff IDs are defined: after decompression', async () => {
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
    const { counts } = await new LayerVerifier().verify({
      source: name,
      diffIds: [diffId],
      places: [{ file, offset: 0, size: data.length }],
      namespace: NAMESPACE,
    });
    expect([name, counts]).toEqual([name, { hashed: 1, known: 0 }]);
  }
  const wrong = path.join(dir, 'wrong.tar.gz');
  writeFileSync(wrong, gzipSync(Buffer.concat([tar, Buffer.alloc(512)])));
  await expect(
    new LayerVerifier().verify({
      source: 'wrong.tar.gz',
      diffIds: [diffId],
      places: [{ file: wrong, offset: 0, size: readFileSync(wrong).length }],
      namespace: NAMESPACE,
    }),
  ).rejects.toThrow(/its decompressed bytes hash to/);
});

test('a legacy archive that links a layer saved twice to its first copy: the link is followed', async () => {
  const layer = await layerTar(base);
  const diffId = `sha256:${sha256(layer)}`;
  const config = Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [diffId, diffId] } }));
  const manifest = [{ Config: 'config.json', RepoTags: ['shop/twice:1'], Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }];
  const pack = tarStream.pack();
  pack.entry({ name: 'aaa/layer.tar' }, layer);
  pack.entry({ name: 'bbb/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' });
  pack.entry({ name: 'config.json' }, config);
  pack.entry({ name: 'manifest.json' }, JSON.stringify(manifest));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  const file = path.join(tmp(), 'twice.tar');
  writeFileSync(file, Buffer.concat(chunks));
  const archive = await readImageLayers(file);
  expect(archive.layers[1]).toEqual(archive.layers[0]);
  expect(await check(new LayerVerifier(), file)).toEqual({ hashed: 1, known: 1 });
});
