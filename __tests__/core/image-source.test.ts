import { classifyImageEntry, givenRepository } from '../../src/core/image-source.ts';
import { parsePlatformChoice, selectPlatforms } from '../../src/core/platforms.ts';
import { stableName } from '../../src/core/identity.ts';
import { registrySettings } from '../../src/config/registry-settings.ts';

const nothingOnDisk = (_path: string) => false;
const kindOf = (entry: string, exists = nothingOnDisk) => {
  const read = classifyImageEntry(entry, exists);
  return read.source === 'file'
    ? `file ${read.pattern}`
    : `${read.source} ${read.reference.registry} ${read.reference.repository}`;
};

describe('an images entry', () => {
  test.each([
    ['tar_images/*.tar', 'file tar_images/*.tar'],
    ['images/app.tar', 'file images/app.tar'],
    ['build/app.tar.gz', 'file build/app.tar.gz'],
    ['./layout', 'file ./layout'],
    ['/abs/app', 'file /abs/app'],
    ['registry.example.com/shop/api:1.2', 'registry registry.example.com shop/api'],
    [`registry.example.com:5000/shop/api@sha256:${'a'.repeat(64)}`, 'registry registry.example.com:5000 shop/api'],
    ['alpine:3.20', 'registry docker.io library/alpine'],
    ['localhost:5000/app', 'registry localhost:5000 app'],
    ['registry://alpine', 'registry docker.io library/alpine'],
    ['docker:shop/api:1.2', 'daemon docker.io shop/api'],
  ])('%s is %s', (entry, expected) => {
    expect(kindOf(entry)).toBe(expected);
  });

  test('what exists on disk is a file, even when it reads as a reference', () => {
    expect(kindOf('shop/api:1.2', (p) => p === 'shop/api:1.2')).toBe('file shop/api:1.2');
  });

  test.each([
    [
      'api',
      "images: 'api' is no file here and no image reference with a tag or digest (give a tarball, a glob, an OCI layout, a reference like api:latest or registry://api, or docker:NAME:TAG)",
    ],
    [
      'Shop/API:1',
      "images: 'Shop/API:1' is no file here and no image reference with a tag or digest (give a tarball, a glob, an OCI layout, a reference like registry.example.com/shop/api:1.2, or docker:NAME:TAG)",
    ],
    [
      'registry://--output=/etc/x',
      "images: 'registry://--output=/etc/x' is not an image reference; write it as registry/name:tag or name@sha256:…",
    ],
    ['docker:', "images: 'docker:' is not an image reference; write it as registry/name:tag or name@sha256:…"],
  ])('%s is one line naming it', (entry, message) => {
    expect(() => classifyImageEntry(entry, nothingOnDisk)).toThrow(message);
  });

  test('the repository as written, without tag or digest', () => {
    const read = classifyImageEntry(`localhost:5000/a/b:1@sha256:${'b'.repeat(64)}`, nothingOnDisk);
    if (read.source === 'file') throw new Error('not a reference');
    expect(givenRepository(read.reference)).toBe('localhost:5000/a/b');
  });
});

describe('platforms', () => {
  const index = [
    { digest: 'sha256:1', platform: 'linux/amd64' },
    { digest: 'sha256:2', platform: 'linux/arm64/v8' },
    { digest: 'sha256:3', platform: 'linux/arm/v7' },
  ];
  test("linux/amd64 by default, a list in its order, all, a platform without variant takes the index's", () => {
    expect(selectPlatforms(index, parsePlatformChoice([])).map((e) => e.digest)).toEqual(['sha256:1']);
    expect(selectPlatforms(index, parsePlatformChoice(['linux/arm64', 'linux/amd64'])).map((e) => e.digest)).toEqual([
      'sha256:2',
      'sha256:1',
    ]);
    expect(selectPlatforms(index, parsePlatformChoice(['all']))).toEqual(index);
  });
  test('a platform the index lacks names what it has; a bad platform is a configuration error', () => {
    expect(() => selectPlatforms(index, parsePlatformChoice(['linux/s390x']))).toThrow(
      'the image has no linux/s390x (its index has linux/amd64, linux/arm64/v8, linux/arm/v7)',
    );
    expect(() => parsePlatformChoice(['linux'])).toThrow("platform: 'linux' is not a platform like linux/amd64");
    expect(() => parsePlatformChoice(['all', 'linux/amd64'])).toThrow("platform: 'all' is not a platform");
  });
  test('identity: linux/amd64 keeps the plain name, another platform is its own', () => {
    expect(stableName({ image: 'r.example/shop/api:1 (linux/amd64)', kind: 'image' })).toBe('r.example/shop/api');
    expect(stableName({ image: 'r.example/shop/api:1 (linux/arm64)', kind: 'image', variant: 'linux/arm64' })).toBe(
      'r.example/shop/api#linux/arm64',
    );
  });
});

describe('registry login inputs', () => {
  test('both halves or none; the registry is a host', () => {
    expect(registrySettings({ platform: [] })).toEqual({ platforms: { kind: 'default' } });
    expect(() => registrySettings({ platform: [], 'registry-username': 'u' })).toThrow(
      'registry-password: missing (the login needs both halves)',
    );
    expect(() =>
      registrySettings({ platform: [], 'registry-username': 'u', 'registry-password': 'p', registry: 'https://x/y' }),
    ).toThrow("registry: 'https://x/y' is not a registry host");
  });
});
