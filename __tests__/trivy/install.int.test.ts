import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, ScanError } from '../../src/core/errors.js';
import { DEFAULT_TRIVY_VERSION, parseTrivyVersion } from '../../src/config/trivy.js';
import { PINNED_TRIVY_CHECKSUMS } from '../../src/trivy/checksums.js';
import { DirToolStore } from '../../src/trivy/dir-tool-store.js';
import { ensureTrivy, trivyAssetName, trivyVersion } from '../../src/trivy/install.js';
import { runDistAction } from '../../test/support/action.ts';
import { cliInProcess } from '../../test/support/cli.ts';
import { recordingLogger } from '../../test/support/logger.ts';
import { reportPath } from '../../test/support/paths.ts';
import { readBinary, releaseArchive, serveReleases, type ReleaseServer } from '../../test/support/release-server.ts';
import { realTrivy } from '../../test/support/trivy.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-install-'));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const TEMPLATE = '/releases/download/v{version}/{asset}';
// No trivy on this PATH: the download path is what is tested.
const ENV = { PATH: '/usr/bin:/bin' };

describe('release archives and checksums kept in the repository', () => {
  test('v0.74.0 is the default and has pinned SHA-256 for linux x64 and arm64', () => {
    expect(DEFAULT_TRIVY_VERSION).toBe('0.74.0');
    expect(PINNED_TRIVY_CHECKSUMS['0.74.0']).toEqual({
      'trivy_0.74.0_Linux-64bit.tar.gz': '2ae6fe3ee734b7fdf11335663e18c75ea12dccc76062f09f164a3b0f8be4371a',
      'trivy_0.74.0_Linux-ARM64.tar.gz': 'b94ce1976bbf3c15b514b605ee88be7c6d94a29be2302847ff01cb794d47aad5',
    });
  });
  test.each([
    ['linux', 'x64', 'trivy_0.74.0_Linux-64bit.tar.gz'],
    ['linux', 'arm64', 'trivy_0.74.0_Linux-ARM64.tar.gz'],
    ['darwin', 'arm64', 'trivy_0.74.0_macOS-ARM64.tar.gz'],
  ] as const)('asset for %s/%s is %s', (platform, arch, asset) =>
    expect(trivyAssetName('0.74.0', platform, arch)).toBe(asset),
  );
  test('versions', () => {
    expect(parseTrivyVersion('v0.74.0')).toBe('0.74.0');
    expect(() => parseTrivyVersion('latest')).toThrow(ConfigError);
    expect(() => trivyAssetName('0.74.0', 'win32', 'x64')).toThrow('Trivy is not available for win32/x64');
  });
});

describe('downloading Trivy from a release server on 127.0.0.1', () => {
  let archive: Buffer;
  let server: ReleaseServer;
  const asset = trivyAssetName('0.74.0', 'linux', 'x64');
  beforeAll(async () => {
    archive = await releaseArchive(readBinary(realTrivy().bin));
    server = await serveReleases({
      // The genuine path holds our archive: not the bytes pinned for the real release, so it must be refused.
      [`/releases/download/v0.74.0/${asset}`]: archive,
      [`/releases/download/v0.73.0/trivy_0.73.0_Linux-64bit.tar.gz`]: archive,
    });
  });
  afterAll(() => server.close());

  const ensure = (args: { version: string; checksum?: string; toolDir: string }) =>
    ensureTrivy({
      version: args.version,
      checksum: args.checksum,
      downloadUrl: server.url + TEMPLATE,
      platform: 'linux',
      arch: 'x64',
      store: new DirToolStore(args.toolDir),
      env: ENV,
      logger: recordingLogger(),
    });

  test('an archive that does not match the pinned checksum is refused with a clear error, and not kept', async () => {
    const toolDir = tmp();
    const attempt = ensure({ version: '0.74.0', toolDir });
    await expect(attempt).rejects.toThrow(ScanError);
    await expect(ensure({ version: '0.74.0', toolDir })).rejects.toThrow(
      `${asset} from ${server.url}/releases/download/v0.74.0/${asset} has SHA-256 ${sha256(archive)}, not the pinned 2ae6fe3ee734b7fdf11335663e18c75ea12dccc76062f09f164a3b0f8be4371a; refusing to run it (the download was altered or the release replaced)`,
    );
    expect(existsSync(path.join(toolDir, 'trivy'))).toBe(false);
  });

  test('a version without a kept checksum is refused unless trivy-checksum is given', async () => {
    await expect(ensure({ version: '0.73.0', toolDir: tmp() })).rejects.toThrow(
      new ConfigError(
        'trivy-version: vulngate keeps no checksum for trivy_0.73.0_Linux-64bit.tar.gz; give trivy-checksum (the SHA-256 of trivy_0.73.0_Linux-64bit.tar.gz) or use 0.74.0',
      ),
    );
  });

  test('with the right trivy-checksum it is downloaded, verified, extracted, runs, and is reused', async () => {
    const toolDir = tmp();
    const before = server.requests.length;
    const binary = await ensure({ version: '0.73.0', checksum: sha256(archive), toolDir });
    expect(binary).toBe(path.join(toolDir, 'trivy', '0.73.0', 'trivy'));
    expect(await trivyVersion(binary, ENV)).toBe('0.74.0');
    expect(server.requests.length).toBe(before + 1);
    expect(await ensure({ version: '0.73.0', checksum: sha256(archive), toolDir })).toBe(binary);
    expect(server.requests.length).toBe(before + 1);
  });

  test('a wrong trivy-checksum is refused', async () => {
    await expect(ensure({ version: '0.73.0', checksum: 'a'.repeat(64), toolDir: tmp() })).rejects.toThrow(
      /has SHA-256 [0-9a-f]{64}, not the pinned a{64}; refusing to run it/,
    );
  });

  test('a missing release (404) is a scanner error naming the URL', async () => {
    await expect(ensure({ version: '0.72.0', checksum: 'b'.repeat(64), toolDir: tmp() })).rejects.toThrow(
      `cannot download Trivy from ${server.url}/releases/download/v0.72.0/trivy_0.72.0_Linux-64bit.tar.gz: HTTP 404 Not Found`,
    );
  });

  test('the CLI refuses the tampered archive: exit 3, one line', async () => {
    const run = await cliInProcess(
      [
        'scan',
        '--images',
        reportPath('alpine-39'),
        '--trivy-download-url',
        server.url + TEMPLATE,
        '--tool-dir',
        tmp(),
        '--output-dir',
        tmp(),
      ],
      { env: ENV },
    );
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n').pop()).toMatch(
      /^vulngate: trivy_0\.74\.0_Linux-64bit\.tar\.gz from .* refusing to run it/,
    );
  });

  test('the action downloads through @actions/tool-cache with trivy-checksum, and refuses a tampered one', async () => {
    const toolCache = tmp();
    const common = {
      images: reportPath('alpine-39'),
      'trivy-download-url': server.url + TEMPLATE,
      'output-dir': tmp(),
      offline: 'true',
      'cache-dir': tmp(),
    };
    const tampered = await runDistAction(common, { PATH: '/usr/bin:/bin', RUNNER_TOOL_CACHE: toolCache });
    expect(tampered.code).toBe(3);
    expect(tampered.stdout).toContain('refusing to run it');
    const verified = await runDistAction(
      { ...common, 'trivy-version': '0.73.0', 'trivy-checksum': sha256(archive) },
      { PATH: '/usr/bin:/bin', RUNNER_TOOL_CACHE: toolCache },
    );
    // Trivy was installed; the run then stops at the missing offline DB, which proves the binary ran.
    expect(existsSync(path.join(toolCache, 'trivy', '0.73.0', 'x64', 'trivy'))).toBe(true);
    expect(verified.stdout).toContain('offline scan: no vulnerability DB');
    expect(verified.code).toBe(3);
  });
});
