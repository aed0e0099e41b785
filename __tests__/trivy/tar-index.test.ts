// Where another reader (Go's archive/tar under go-containerregistry, which Trivy uses) could take other bytes for an
// archive's manifest, config or layer than vulngate's header reader, the archive is refused: it is then scanned with
// a cache of its own. Each case is a way an image's author could make the two disagree.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { readImageLayers } from '../../src/trivy/image-layers.js';
import { cleanName, tarIndex } from '../../src/trivy/tar-index.js';
import { layerTar, sha256 } from '../../test/support/image-tarball.ts';

interface Entry {
  name: string;
  body?: Buffer | string;
  type?: tarStream.Header['type'];
  linkname?: string;
  pax?: Record<string, string>;
}

async function archive(entries: Entry[], raw?: (tar: Buffer) => Buffer): Promise<string> {
  const pack = tarStream.pack();
  for (const { body, ...header } of entries) pack.entry({ ...header }, body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'vg-tar-')), 'image.tar');
  const tar = Buffer.concat(chunks);
  writeFileSync(file, raw ? raw(tar) : tar);
  return file;
}

/** Sets a header field of the entry named `name` and fixes the header's checksum. */
function patchHeader(tar: Buffer, name: string, at: number, value: string): Buffer {
  const header = tar.indexOf(name);
  tar.write(value, header + at, 'latin1');
  tar.fill(0x20, header + 148, header + 156);
  let sum = 0;
  for (let i = 0; i < 512; i += 1) sum += tar[header + i] ?? 0;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, header + 148, 'latin1');
  return tar;
}

const honest = await layerTar([{ path: 'srv/app.txt', content: 'honest\n' }]);
const evil = await layerTar([{ path: 'srv/app.txt', content: 'evil!!\n' }]);
const diffId = `sha256:${sha256(honest)}`;
const config = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ rootfs: { type: 'layers', diff_ids: [diffId] }, ...extra });
const manifest = (layers = ['L/layer.tar'], extra: Record<string, unknown> = {}) =>
  JSON.stringify([{ Config: 'config.json', RepoTags: ['shop/app:1'], Layers: layers, ...extra }]);
const image = (layer: Entry[] = [{ name: 'L/layer.tar', body: honest }]): Entry[] => [
  ...layer,
  { name: 'config.json', body: config() },
  { name: 'manifest.json', body: manifest() },
];

test('an honest archive: each layer where Go finds it', async () => {
  const layers = await readImageLayers(await archive(image()));
  expect(layers.diffIds).toEqual([diffId]);
  expect(layers.layers[0]?.size).toBe(honest.length);
});

test.each([
  [
    'an entry type Go reads as a file (contiguous file) before the real layer',
    [
      { name: 'L/layer.tar', type: 'contiguous-file' as const, body: evil },
      { name: 'L/layer.tar', body: honest },
    ],
    /entry type "7"/,
  ],
  [
    'a name that cleans to the layer’s, first',
    [
      { name: 'x/../L/layer.tar', body: evil },
      { name: 'L/layer.tar', body: honest },
    ],
    /ambiguous entry L\/layer\.tar/,
  ],
  [
    'a trailing slash on a file name, first',
    [
      { name: 'L//layer.tar', body: evil },
      { name: 'L/layer.tar', body: honest },
    ],
    /ambiguous entry/,
  ],
  ['a PAX record that changes the size', [{ name: 'L/layer.tar', body: honest, pax: { size: '0' } }], /PAX key size/],
])('refused: %s', async (_what, layer, why) => {
  await expect(readImageLayers(await archive(image(layer as Entry[])))).rejects.toThrow(why);
});

test('a hard link is followed from the requested name’s directory, as go-containerregistry does', async () => {
  const file = await archive(
    image([
      { name: 'b/layer.tar', body: honest },
      { name: 'L/b/layer.tar', body: evil },
      { name: 'L/layer.tar', type: 'link', linkname: 'b/layer.tar' },
    ]),
  );
  const index = await tarIndex(file);
  const layers = await readImageLayers(file);
  // Go reads L/b/layer.tar (the evil one), so that is what is hashed against the diff ID.
  expect(layers.layers[0]?.offset).toBe(index.get('L/b/layer.tar')?.offset);
});

test('a link’s size field is not data: the next header is where Go finds it', async () => {
  const layer = [
    { name: 'real/layer.tar', body: honest },
    { name: 'L/layer.tar', type: 'symlink' as const, linkname: '../real/layer.tar' },
  ];
  // The symlink's header says 1024 bytes: Go still reads no data for it, and neither does this reader.
  const file = await archive(image(layer), (tar) => patchHeader(tar, 'L/layer.tar', 124, '00000002000\0'));
  expect((await readImageLayers(file)).diffIds).toEqual([diffId]);
});

test.each([
  ['a GNU long name', 'L'],
  ['a global PAX header', 'g'],
  ['a character device', '3'],
])('refused: the layer’s entry made %s', async (_what, flag) => {
  const file = await archive(image(), (tar) => patchHeader(tar, 'L/layer.tar', 156, flag));
  await expect(readImageLayers(file)).rejects.toThrow(`entry type "${flag}"`);
});

test('a header with a wrong checksum, and an archive that is not USTAR or GNU, are refused', async () => {
  const broken = await archive(image(), (tar) => {
    tar[0] = 'M'.charCodeAt(0);
    return tar;
  });
  await expect(readImageLayers(broken)).rejects.toThrow(/bad header checksum/);
});

test.each([
  [
    'two keys Go takes for one field (Layers, layers)',
    manifest(['L/layer.tar'], { layers: ['E/layer.tar'] }),
    config(),
  ],
  ['a non-ASCII key Go folds onto a field (Layerſ)', manifest(['L/layer.tar'], { Layerſ: ['E/layer.tar'] }), config()],
  [
    'a config with rootfs twice (rootfs, RootFS)',
    manifest(),
    config({ RootFS: { type: 'layers', diff_ids: [diffId] } }),
  ],
  ['two images in manifest.json', JSON.stringify([...JSON.parse(manifest()), ...JSON.parse(manifest())]), config()],
])('refused: %s', async (_what, manifestText, configText) => {
  const file = await archive([
    { name: 'L/layer.tar', body: honest },
    { name: 'E/layer.tar', body: evil },
    { name: 'config.json', body: configText },
    { name: 'manifest.json', body: manifestText },
  ]);
  await expect(readImageLayers(file)).rejects.toThrow(/key|one image/);
});

test('a compressed layer in a docker archive is refused (go-containerregistry decides from the first layer alone)', async () => {
  const file = await archive([
    { name: 'A/layer.tar', body: honest },
    { name: 'B/layer.tar', body: gzipSync(evil) },
    { name: 'config.json', body: JSON.stringify({ rootfs: { diff_ids: [diffId, `sha256:${sha256(evil)}`] } }) },
    { name: 'manifest.json', body: manifest(['A/layer.tar', 'B/layer.tar']) },
  ]);
  await expect(readImageLayers(file)).rejects.toThrow(/compressed layers/);
});

test('names are cleaned as Go’s path.Clean cleans them', () => {
  expect(['./a', 'a//b/../c/', '', '/x/./y', 'a/'].map(cleanName)).toEqual(['a', 'a/c', '.', '/x/y', 'a']);
});
