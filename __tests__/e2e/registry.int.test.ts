// Registry images end to end: the bundled CLI on Node 24 and the real Trivy against Debian's docker-registry
// (distribution 2.8) with TLS from a CA made here and htpasswd auth; images pushed by skopeo.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { distCli, summaryOf } from '../../test/support/cli.ts';
import { writeFixtureImages } from '../../test/support/fixture-images.ts';
import { startRegistry, type TestRegistry } from '../../test/support/registry.ts';
import { freePort, freshTrivyCache, realTrivy } from '../../test/support/trivy.ts';
import { trivyShim, type TrivyShim } from '../../test/support/trivy-shim.ts';

interface Results {
  verdict: string;
  images: {
    name: string;
    stableName: string;
    reference?: string;
    manifestDigest?: string;
    indexDigest?: string;
    platform?: string;
    imageId?: string;
    repoDigests?: string[];
  }[];
  findings: { image: string; id: string; package: string; decision: string }[];
  errors: { image: string; message: string }[];
  warnings: { code: string; message: string }[];
}

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-reg-'));
const read = (out: string): Results => JSON.parse(readFileSync(path.join(out, 'vulngate-results.json'), 'utf8'));

/** Every file below dir, read whole. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
}

let registry: TestRegistry;
let shim: TrivyShim;
const digests: Record<string, string> = {};
let indexDigest: string;

beforeAll(async () => {
  registry = await startRegistry();
  shim = trivyShim();
  const dir = tmp();
  const [debian, node, clean, alpine] = await writeFixtureImages(dir, [
    'debian-app',
    'node-app',
    'clean',
    'alpine-base',
  ]);
  digests.api = registry.push(debian!, 'shop/api:1.0');
  digests.web = registry.push(node!, 'shop/web:2.3');
  digests.amd64 = registry.push(clean!, 'shop/multi:amd64');
  digests.arm64 = registry.push(alpine!, 'shop/multi:arm64');
  indexDigest = await registry.pushIndex('shop/multi:1.0', [
    { digest: digests.amd64, platform: 'linux/amd64' },
    { digest: digests.arm64, platform: 'linux/arm64/v8' },
  ]);
}, 180_000);

afterAll(() => registry.stop());

/** The CLI as a CI job runs it: the CA for Trivy (SSL_CERT_FILE) and Node (NODE_EXTRA_CA_CERTS), a private TMPDIR. */
async function scan(images: string[], opts: { env?: NodeJS.ProcessEnv; extra?: string[]; cache?: string } = {}) {
  const out = tmp();
  const tmpDir = tmp();
  const run = await distCli(
    ['scan', ...images.flatMap((i) => ['--images', i]), '--cache-dir', opts.cache ?? freshTrivyCache(), '--offline',
      '--output-dir', out, '--profiles-dir', tmp(), ...(opts.extra ?? [])], // prettier-ignore
    {
      env: {
        PATH: `${shim.dir}${path.delimiter}${realTrivy().dir}${path.delimiter}${process.env.PATH}`,
        HOME: tmp(),
        TMPDIR: tmpDir,
        SSL_CERT_FILE: registry.caFile,
        NODE_EXTRA_CA_CERTS: registry.caFile,
        ...opts.env,
      },
      timeoutMs: 240_000,
    },
  );
  return { run, out, tmpDir };
}

/** The password in every form a file, a log or a process list could carry it. */
function expectNoPassword(texts: string[]): void {
  const forms = [registry.password, Buffer.from(`${registry.user}:${registry.password}`).toString('base64')];
  for (const text of texts) for (const form of forms) expect(text).not.toContain(form);
}

const blockingIds = (results: Results, image: string) =>
  results.findings
    .filter((f) => f.image === image && f.decision === 'blocking')
    .map((f) => `${f.id} ${f.package}`)
    .sort();

describe('registry images, scanned by reference against a real registry', () => {
  test("by tag and by digest with the job's Docker config; pinned to the digest the registry resolved; the password nowhere", async () => {
    const api = `${registry.host}/shop/api:1.0`;
    const web = `${registry.host}/shop/web@${digests.web}`;
    const callsBefore = shim.calls().length;
    const { run, out } = await scan([api, web], { env: { DOCKER_CONFIG: registry.dockerConfigDir } });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(1);
    const results = read(out);
    expect(results.errors).toEqual([]);
    expect(results.images.map((i) => [i.name, i.stableName, i.reference, i.manifestDigest, i.platform])).toEqual([
      [api, `${registry.host}/shop/api`, api, digests.api, 'linux/amd64'],
      [web, `${registry.host}/shop/web`, web, digests.web, 'linux/amd64'],
    ]);
    // What a deployment pins: Trivy pulled the manifest the registry resolved, and says so in its RepoDigests.
    expect(results.images[0]!.repoDigests).toEqual([`${registry.host}/shop/api@${digests.api}`]);
    expect(blockingIds(results, api)).toEqual(['CVE-2025-9230 libssl3', 'CVE-2025-9230 openssl']);
    expect(blockingIds(results, web)).toEqual([
      'CVE-2021-23337 lodash',
      'CVE-2021-44906 minimist',
      'CVE-2024-6119 libcrypto3',
      'CVE-2024-6119 libssl3',
      'aws-access-key-id /usr/src/app/.env',
    ]);
    const calls = shim.calls().slice(callsBefore);
    const scans = calls.filter((c) => c.startsWith('image '));
    // Pulled by digest, after `--`: a reference is never an option. With a cache of its own (its diff IDs cannot be
    // checked here), so no local server and no token.
    expect(scans.some((c) => c.includes(`--image-src remote`) && c.includes('--cache-backend memory') && !c.includes('--server') && c.endsWith(`-- ${registry.host}/shop/api@${digests.api} TRIVY_TOKEN=`))).toBe(true); // prettier-ignore
    expectNoPassword([run.stdout, run.stderr, ...calls, ...allFiles(out).map((f) => readFileSync(f, 'utf8'))]);
  });

  test('registry-username and registry-password: a Docker config of the run, for that registry only, removed after', async () => {
    const api = `${registry.host}/shop/api:1.0`;
    const { run, out, tmpDir } = await scan([api], {
      env: { VULNGATE_REGISTRY_USERNAME: registry.user, VULNGATE_REGISTRY_PASSWORD: registry.password },
    });
    expect(run.code).toBe(1);
    expect(read(out).images.map((i) => i.manifestDigest)).toEqual([digests.api]);
    expect(readdirSync(tmpDir).filter((f) => f.startsWith('vulngate-docker-'))).toEqual([]);
    expectNoPassword([run.stdout, run.stderr, ...allFiles(out).map((f) => readFileSync(f, 'utf8'))]);

    // Named for another registry, the login is not sent to this one: the registry refuses, one line, exit 3.
    const other = await scan([api], {
      env: { VULNGATE_REGISTRY_USERNAME: registry.user, VULNGATE_REGISTRY_PASSWORD: registry.password },
      extra: ['--registry', 'registry.example.com'],
    });
    expect(other.run.code).toBe(3);
    expect(read(other.out).errors.map((e) => [e.image, e.message])).toEqual([
      [api, `${registry.host} asks for a login and none is configured for it`],
    ]);
  });

  test('a multi-platform index: linux/amd64 by default, said in the summary; all: each platform its own target', async () => {
    const multi = `${registry.host}/shop/multi:1.0`;
    const env = { DOCKER_CONFIG: registry.dockerConfigDir };
    const byDefault = await scan([multi], { env });
    expect(byDefault.run.code).toBe(0);
    const results = read(byDefault.out);
    expect(results.images.map((i) => [i.name, i.manifestDigest, i.indexDigest, i.platform])).toEqual([
      [multi, digests.amd64, indexDigest, 'linux/amd64'],
    ]);
    const note = `${multi} is a multi-platform image (linux/amd64, linux/arm64/v8): scanned linux/amd64 only`;
    const platformNotes = results.warnings.filter((w) => w.code === 'default-platform').map((w) => w.message);
    expect(platformNotes).toEqual([expect.stringContaining(note)]);
    expect(summaryOf(byDefault.run)).toContain(note);

    const all = await scan([multi], { env, extra: ['--platform', 'all'] });
    expect(all.run.code).toBe(1);
    const both = read(all.out);
    expect(both.images.map((i) => [i.name, i.stableName, i.manifestDigest, i.indexDigest, i.platform])).toEqual([
      [`${multi} (linux/amd64)`, `${registry.host}/shop/multi`, digests.amd64, indexDigest, 'linux/amd64'],
      [`${multi} (linux/arm64/v8)`, `${registry.host}/shop/multi#linux/arm64/v8`, digests.arm64, indexDigest, 'linux/arm64/v8'],
    ]); // prettier-ignore
    expect(blockingIds(both, `${multi} (linux/arm64/v8)`)).toEqual([
      'CVE-2024-6119 libcrypto3',
      'CVE-2024-6119 libssl3',
    ]);
    expect(both.warnings.filter((w) => w.code === 'default-platform')).toEqual([]);

    const missing = await scan([multi], { env, extra: ['--platform', 'linux/s390x'] });
    expect(missing.run.code).toBe(3);
    expect(read(missing.out).errors.map((e) => e.message)).toEqual([
      'the image has no linux/s390x (its index has linux/amd64, linux/arm64/v8); set platform to one of them or all',
    ]);
  });

  test('failures are one line per image, exit 3, and the other images are still scanned', async () => {
    const api = `${registry.host}/shop/api:1.0`;
    const absent = `${registry.host}/shop/api:9.9`;
    const silent = `127.0.0.1:${await freePort()}/shop/api:1.0`;
    // No Docker engine runs here: the daemon form is that image's error alone.
    const daemon = 'docker:shop/api:1.0';
    const { run, out } = await scan([api, absent, silent, daemon], {
      env: { DOCKER_CONFIG: registry.dockerConfigDir },
    });
    expect(run.code).toBe(3);
    const results = read(out);
    expect(results.images.map((i) => i.name)).toEqual([api]);
    const errors = Object.fromEntries(results.errors.map((e) => [e.image, e.message]));
    expect(errors[absent]).toBe(`${registry.host} answered 404 MANIFEST_UNKNOWN: no such tag or digest`);
    expect(errors[silent]).toMatch(/did not answer/);
    expect(errors['shop/api:1.0']).toMatch(/^Trivy failed \(exit 1\): .*docker/i);
    for (const message of Object.values(errors)) expect(message).not.toContain('\n');

    // A wrong password: refused by the registry, said without the password.
    const wrong = await scan([api], {
      env: { VULNGATE_REGISTRY_USERNAME: registry.user, VULNGATE_REGISTRY_PASSWORD: 'not-the-password' },
    });
    expect(wrong.run.code).toBe(3);
    expect(read(wrong.out).errors[0]!.message).toBe(
      `${registry.host} answered 401 UNAUTHORIZED: the login was refused`,
    );
    expect(wrong.run.stdout + wrong.run.stderr).not.toContain('not-the-password');
  });

  test('an entry that is no file and no reference with a tag is exit 2 naming it', async () => {
    const { run } = await scan(['api'], {});
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n').pop()).toBe(
      "vulngate: images: 'api' is no file here and no image reference with a tag or digest (give a tarball, a glob, " +
        'an OCI layout, a reference like api:latest or registry://api, or docker:NAME:TAG)',
    );
  });

  test('the result cache covers registry images: a second scan of the tag downloads no layer again', async () => {
    const cache = freshTrivyCache();
    const env = { DOCKER_CONFIG: registry.dockerConfigDir };
    const web = `${registry.host}/shop/web:2.3`;
    const first = registry.mark();
    expect((await scan([web], { env, cache })).run.code).toBe(1);
    const firstBytes = registry.blobBytesSince(first);
    const second = registry.mark();
    expect((await scan([web], { env, cache })).run.code).toBe(1);
    const secondBytes = registry.blobBytesSince(second);
    const manifest = registry.manifest('shop/web:2.3');
    const layerBytes = manifest.layers.reduce((sum, l) => sum + l.size, 0);
    console.log(`registry blob bytes: first scan ${firstBytes} (layers ${layerBytes}), second scan ${secondBytes}`);
    // The first scan pulled every layer; the second at most the image config (the tag pinned to the same digest,
    // the report reused).
    expect(firstBytes).toBeGreaterThanOrEqual(layerBytes);
    expect(secondBytes).toBeLessThanOrEqual(manifest.config.size);
  });

  test('a Bearer-token registry: the login goes to the token service the registry names, the registry sees only the token', async () => {
    const dir = path.dirname(registry.caFile);
    const tls = { cert: readFileSync(path.join(dir, 'server.crt')), key: readFileSync(path.join(dir, 'server.key')) };
    const seen: { server: string; path: string; authorization: string }[] = [];
    const listen = (handler: Parameters<typeof createServer>[1]) =>
      new Promise<Server>((resolve) => {
        const server = createServer(tls, handler);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    const basic = `Basic ${Buffer.from(`${registry.user}:${registry.password}`).toString('base64')}`;
    const tokens = await listen((req, res) => {
      seen.push({ server: 'token', path: req.url ?? '', authorization: req.headers.authorization ?? '' });
      if (req.headers.authorization !== basic) return void res.writeHead(401).end();
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ token: 'registry-scoped-token' }));
    });
    const realm = `https://127.0.0.1:${(tokens.address() as AddressInfo).port}/token`;
    const manifest = readFileSync(path.join(dir, 'docker', 'config.json')); // any bytes: only the lookup is asked
    const fake = await listen((req, res) => {
      seen.push({ server: 'registry', path: req.url ?? '', authorization: req.headers.authorization ?? '' });
      if (req.headers.authorization !== 'Bearer registry-scoped-token') {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${realm}",service="fake"` }).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
    });
    const host = `127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const config = JSON.stringify({ auths: { [host]: { auth: basic.slice(6) } } });
    const configDir = tmp();
    writeFileSync(path.join(configDir, 'config.json'), config);
    const { run, out } = await scan([`${host}/shop/api:1.0`], { env: { DOCKER_CONFIG: configDir } });
    tokens.close();
    fake.close();
    // vulngate's lookup succeeded; Trivy's registry client then refuses a realm on a private address other than the
    // registry's host:port (this fake serves no image anyway): one line, exit 3.
    expect(run.code).toBe(3);
    expect(read(out).errors.map((e) => e.message)).toEqual([expect.stringMatching(/Trivy failed .*realm/)]);
    const lookups = seen.filter((s) => !s.path.startsWith('/v2/shop/api/blobs') && s.path !== '/v2/');
    expect(lookups.slice(0, 3)).toEqual([
      { server: 'registry', path: '/v2/shop/api/manifests/1.0', authorization: '' },
      { server: 'token', path: '/token?service=fake&scope=repository%3Ashop%2Fapi%3Apull', authorization: basic },
      { server: 'registry', path: '/v2/shop/api/manifests/1.0', authorization: 'Bearer registry-scoped-token' },
    ]);
    // vulngate never sent the login itself to the registry.
    expect(seen.filter((s) => s.server === 'registry' && s.authorization.startsWith('Basic'))).toEqual([]);
  });
});
