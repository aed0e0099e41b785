// A real registry for the tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1 with TLS from a CA made
// here and htpasswd (bcrypt) auth; images pushed to it by skopeo from the tarballs the tests make. Its access log
// says how many bytes each blob pull sent, so a test can measure what a second scan downloads.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './trivy.ts';

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  user: string;
  password: string;
  /** The CA that signed the registry's certificate (PEM file): SSL_CERT_FILE / NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** A Docker config dir whose config.json holds the login, as `docker login` writes it. */
  dockerConfigDir: string;
  /** Pushes a docker-save tarball as `name:tag` (OCI manifests); returns the manifest digest. */
  push(tarball: string, ref: string): string;
  /** Writes an OCI index at `name:tag` listing manifests already in `name`, each with its platform. */
  pushIndex(ref: string, entries: { digest: string; platform: string }[]): Promise<string>;
  /** The manifest at `name:tag` (or `name@digest`), as the registry serves it. */
  manifest(ref: string): { config: { size: number }; layers: { size: number }[] };
  /** Bytes of blobs (layers, configs) the registry sent since `mark()`. */
  blobBytesSince(mark: number): number;
  mark(): number;
  log(): string;
  stop(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA and a server certificate for 127.0.0.1 and localhost, signed by it. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=vulngate test CA',
    '-keyout', 'ca.key', '-out', 'ca.crt', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign'], dir); // prettier-ignore
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key',
    '-out', 'server.csr'], dir); // prettier-ignore
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.crt'], dir); // prettier-ignore
  return { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
}

async function waitForRegistry(host: string, ca: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    try {
      execFileSync('curl', ['-s', '-o', '/dev/null', '--cacert', ca, `https://${host}/v2/`]);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error('docker-registry did not start within 20 s');
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-registry-'));
  const { ca, cert, key } = makeCertificates(dir);
  const user = 'ci-bot';
  const password = `pw-${createHash('sha256').update(dir).digest('hex').slice(0, 20)}`;
  const htpasswd = execFileSync('htpasswd', ['-iBn', user], { input: password, encoding: 'utf8' });
  writeFileSync(path.join(dir, 'htpasswd'), htpasswd);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(
    path.join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: {level: info, formatter: text, accesslog: {disabled: false}}',
      `storage: {filesystem: {rootdirectory: ${path.join(dir, 'data')}}, delete: {enabled: true}}`,
      `http: {addr: "${host}", tls: {certificate: ${cert}, key: ${key}}}`,
      `auth: {htpasswd: {realm: vulngate-test, path: ${path.join(dir, 'htpasswd')}}}`,
      '',
    ].join('\n'),
  );
  // Its log goes to a file: the tests push with execFileSync, which blocks this process, and a pipe nobody reads
  // would fill and stop the registry mid-push.
  const logFile = path.join(dir, 'registry.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const log = () => readFileSync(logFile, 'utf8');
  await waitForRegistry(host, ca, child);

  const dockerConfigDir = path.join(dir, 'docker');
  mkdirSync(dockerConfigDir);
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  writeFileSync(path.join(dockerConfigDir, 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
  const certDir = path.join(dir, 'certs');
  mkdirSync(certDir);
  writeFileSync(path.join(certDir, 'ca.crt'), readFileSync(ca));

  const basic = `Basic ${auth}`;
  return {
    host,
    user,
    password,
    caFile: ca,
    dockerConfigDir,
    push(tarball, ref) {
      const dest = `docker://${host}/${ref}`;
      const authfile = path.join(dockerConfigDir, 'config.json');
      execFileSync('skopeo', ['copy', '--quiet', '--format', 'oci', '--dest-authfile', authfile,
        '--dest-cert-dir', certDir, `docker-archive:${tarball}`, dest], { stdio: ['ignore', 'ignore', 'pipe'] }); // prettier-ignore
      const raw = execFileSync('skopeo', ['inspect', '--raw', '--authfile', authfile, '--cert-dir', certDir, dest]);
      return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    },
    async pushIndex(ref, entries) {
      const [name, tag] = ref.split(':');
      const manifests = entries.map(({ digest, platform }) => {
        const [os, architecture, variant] = platform.split('/');
        const size = Number(execFileSync('curl', ['-sfI', '--cacert', ca, '-H', `Authorization: ${basic}`, '-H',
          'Accept: application/vnd.oci.image.manifest.v1+json', `https://${host}/v2/${name}/manifests/${digest}`],
          { encoding: 'utf8' }).match(/content-length: (\d+)/i)?.[1]); // prettier-ignore
        return {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest,
          size,
          platform: { os, architecture, ...(variant ? { variant } : {}) },
        };
      });
      const body = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests,
      });
      execFileSync('curl', ['-sf', '-X', 'PUT', '--cacert', ca, '-H', `Authorization: ${basic}`, '-H',
        'Content-Type: application/vnd.oci.image.index.v1+json', '--data-binary', '@-',
        `https://${host}/v2/${name}/manifests/${tag}`], { input: body }); // prettier-ignore
      return `sha256:${createHash('sha256').update(body).digest('hex')}`;
    },
    manifest(ref) {
      const [name, tag] = ref.includes('@') ? ref.split('@') : ref.split(':');
      const text = execFileSync('curl', ['-sf', '--cacert', ca, '-H', `Authorization: ${basic}`, '-H',
        'Accept: application/vnd.oci.image.manifest.v1+json', `https://${host}/v2/${name}/manifests/${tag}`],
        { encoding: 'utf8' }); // prettier-ignore
      return JSON.parse(text) as { config: { size: number }; layers: { size: number }[] };
    },
    mark: () => log().length,
    blobBytesSince(mark) {
      let total = 0;
      for (const line of log().slice(mark).split('\n')) {
        if (!/http\.request\.method=GET/.test(line) || !/\/blobs\/sha256:/.test(line)) continue;
        total += Number(/http\.response\.written=(\d+)/.exec(line)?.[1] ?? 0);
      }
      return total;
    },
    log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.on('exit', r)));
    },
  };
}
