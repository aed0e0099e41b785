import { mkdtempSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readImageLayers } from '../../src/trivy/image-layers.js';
import {
  dockerSaveArchive,
  layerTar,
  sha256,
  writeImage,
  writeOciLayoutDir,
} from '../../test/support/image-tarball.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-layers-'));
const spec = {
  repoTag: 'shop/api:1',
  layers: [[{ path: 'etc/os-release', content: 'ID=debian\n' }], [{ path: 'app/a.txt', content: 'a\n' }]],
};

async function expectedDiffIds(): Promise<string[]> {
  return Promise.all(spec.layers.map(async (files) => `sha256:${sha256(await layerTar(files))}`));
}

test('a docker save archive: the config’s diff_ids, read from the headers without extracting', async () => {
  const file = path.join(tmp(), 'api.tar');
  await writeImage(file, spec);
  const layers = await readImageLayers(file);
  expect(layers).toEqual({
    diffIds: await expectedDiffIds(),
    imageId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    namesDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    layers: [expect.objectContaining({ file }), expect.objectContaining({ file })],
    config: expect.any(Buffer),
    repoTags: ['shop/api:1'],
  });
  // Each layer's place holds exactly the bytes of its diff ID.
  const bytes = readFileSync(file);
  expect(layers.layers.map((l) => `sha256:${sha256(bytes.subarray(l.offset, l.offset + l.size))}`)).toEqual(
    layers.diffIds,
  );
  // The same image under another tag: the same config and layers, other names (Trivy reports the tags).
  const retagged = path.join(tmp(), 'api.tar');
  await writeImage(retagged, { ...spec, repoTag: 'shop/api:2' });
  const other = await readImageLayers(retagged);
  expect([other.imageId, other.diffIds]).toEqual([layers.imageId, layers.diffIds]);
  expect(other.namesDigest).not.toBe(layers.namesDigest);
});

test('Docker >= 25 (OCI layout inside the tar) and an OCI layout directory', async () => {
  const file = path.join(tmp(), 'api.tar');
  await writeImage(file, spec, 'oci');
  const archive = await readImageLayers(file);
  expect(archive.diffIds).toEqual(await expectedDiffIds());
  const bytes = readFileSync(file);
  expect(archive.layers.map((l) => `sha256:${sha256(bytes.subarray(l.offset, l.offset + l.size))}`)).toEqual(
    archive.diffIds,
  );
  const dir = path.join(tmp(), 'layout');
  await writeOciLayoutDir(dir, spec);
  const layout = await readImageLayers(dir);
  expect(layout.diffIds).toEqual(await expectedDiffIds());
  expect(layout.layers.map((l) => `sha256:${sha256(readFileSync(l.file))}`)).toEqual(layout.diffIds);
});

test('what cannot be read throws, so the image is scanned alone and Trivy says why', async () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'text.tar'), 'not a tar at all, just text that is long enough '.repeat(20));
  await expect(readImageLayers(path.join(dir, 'text.tar'))).rejects.toThrow();
  writeFileSync(path.join(dir, 'api.tar.gz'), gzipSync(await dockerSaveArchive(spec)));
  await expect(readImageLayers(path.join(dir, 'api.tar.gz'))).rejects.toThrow();
  const truncated = (await dockerSaveArchive(spec)).subarray(0, 1024);
  writeFileSync(path.join(dir, 'short.tar'), truncated);
  await expect(readImageLayers(path.join(dir, 'short.tar'))).rejects.toThrow(/manifest\.json/);
  await mkdir(path.join(dir, 'empty-layout'));
  await writeFile(path.join(dir, 'empty-layout', 'index.json'), '{"manifests": []}');
  await expect(readImageLayers(path.join(dir, 'empty-layout'))).rejects.toThrow(
    /index.json does not name one manifest/,
  );
});

test('an archive with entries twice (two manifests, two configs) is refused: readers disagree on which counts', async () => {
  const dir = tmp();
  const archive = await dockerSaveArchive(spec);
  const other = await dockerSaveArchive({ ...spec, repoTag: 'shop/evil:1' });
  // The same archive with another archive's entries appended after it: manifest.json twice.
  const end = archive.length - 1024; // two zero blocks close a tar
  writeFileSync(path.join(dir, 'twice.tar'), Buffer.concat([archive.subarray(0, end), other]));
  await expect(readImageLayers(path.join(dir, 'twice.tar'))).rejects.toThrow(/^ambiguous entry /);
});

test('a manifest naming other layers than the config: which bytes are which layer is unknown, so refused', async () => {
  const file = path.join(tmp(), 'short.tar');
  const pack = await dockerSaveArchive(spec);
  const text = pack.toString('latin1');
  // Drop the second layer from manifest.json's Layers (the config still names two), keeping every size.
  const fixed = text.replace(/,"([0-9a-f]{64})\/layer\.tar"\]/, (m: string) => `]${' '.repeat(m.length - 1)}`);
  expect(fixed).not.toBe(text);
  writeFileSync(file, Buffer.from(fixed, 'latin1'));
  await expect(readImageLayers(file)).rejects.toThrow(/the manifest names 1 layer\(s\), the config 2/);
});

test('an OCI layout whose index or blob is a link is refused (a link could name any file the runner can read)', async () => {
  const dir = path.join(tmp(), 'layout');
  await writeOciLayoutDir(dir, spec);
  const index = path.join(dir, 'index.json');
  const moved = path.join(tmp(), 'index.json');
  renameSync(index, moved);
  symlinkSync(moved, index);
  await expect(readImageLayers(dir)).rejects.toThrow(/index\.json is not a regular file/);
});
