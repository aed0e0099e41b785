// The images the e2e tests, the example and the benchmarks scan. Their findings against test/fixtures/db are pinned
// in the tests.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeImage, type ImageFile, type ImageSpec } from './image-tarball.ts';

const ROOTFS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/rootfs');

function debianBase(): ImageFile[] {
  return [
    { path: 'etc/debian_version', content: '12.11\n' },
    {
      path: 'etc/os-release',
      content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
    },
    { path: 'var/lib/dpkg/status', content: readFileSync(path.join(ROOTFS, 'debian/status')) },
  ];
}

function alpineBase(installed = readFileSync(path.join(ROOTFS, 'alpine/installed'), 'utf8')): ImageFile[] {
  return [
    { path: 'etc/alpine-release', content: '3.19.1\n' },
    {
      path: 'etc/os-release',
      content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n',
    },
    { path: 'lib/apk/db/installed', content: installed },
  ];
}

function npmPackage(name: string, version: string): ImageFile {
  return {
    path: `usr/src/app/node_modules/${name}/package.json`,
    content: `${JSON.stringify({ name, version, license: 'MIT' }, null, 2)}\n`,
  };
}

/** Only musl from the Alpine database: no advisory in the fixture DB matches it. */
function onlyMusl(): string {
  const stanzas = readFileSync(path.join(ROOTFS, 'alpine/installed'), 'utf8').split('\n\n');
  return `${stanzas.find((s) => s.includes('\nP:musl\n'))}\n\n`;
}

// An AWS access key id in the shape Trivy's built-in rule looks for; it is not a real key.
const FAKE_AWS_KEY = ['AKIA', 'Z7QR', 'STUV', 'WX23', '4567'].join('');

export const FIXTURE_IMAGES: Record<string, ImageSpec> = {
  'debian-app': { repoTag: 'vulngate-fixtures/debian-app:1.0', layers: [debianBase()] },
  'alpine-base': { repoTag: 'vulngate-fixtures/alpine-base:3.19', layers: [alpineBase()] },
  'node-app': {
    repoTag: 'vulngate-fixtures/node-app:2.3.1',
    layers: [
      alpineBase(),
      [
        { path: 'usr/src/app/package.json', content: '{"name":"node-app","version":"2.3.1","private":true}\n' },
        npmPackage('lodash', '4.17.20'),
        npmPackage('minimist', '1.2.5'),
        npmPackage('debug', '2.6.8'),
        npmPackage('request', '2.88.2'),
        npmPackage('express', '4.21.2'),
      ],
      [{ path: 'usr/src/app/.env', content: `NODE_ENV=production\nAWS_ACCESS_KEY_ID=${FAKE_AWS_KEY}\n` }],
    ],
  },
  clean: { repoTag: 'vulngate-fixtures/clean:1.0', layers: [alpineBase(onlyMusl())] },
};

/** Writes `<name>.tar` for each fixture image (or the ones named) into dir; returns the paths. */
export async function writeFixtureImages(dir: string, names = Object.keys(FIXTURE_IMAGES)): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written = [];
  for (const name of names) {
    const spec = FIXTURE_IMAGES[name];
    if (!spec) throw new Error(`no fixture image '${name}'`);
    const file = path.join(dir, `${name}.tar`);
    await writeImage(file, spec);
    written.push(file);
  }
  return written;
}

// `node test/support/fixture-images.ts DIR [NAME…]` (Node 24 runs TypeScript directly).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, ...names] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node test/support/fixture-images.ts DIR [NAME…]');
    process.exit(2);
  }
  for (const file of await writeFixtureImages(dir, names.length > 0 ? names : undefined)) console.log(file);
}
