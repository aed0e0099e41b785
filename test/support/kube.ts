// A real Kubernetes API for the tests: etcd and kube-apiserver (built from the Go module proxy by
// scripts/prepare-kube.sh) on 127.0.0.1, TLS from a CA made here, RBAC authorization, an admin token for the tests'
// own set-up, and service-account tokens from the TokenRequest API. There is no kubelet: tests create pods and write
// their status through the status subresource, as a kubelet would.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import yaml from 'js-yaml';
import { freePort } from './trivy.ts';

export interface TestCluster {
  server: string;
  caFile: string;
  /** The tests' admin token (system:masters): set-up and benchmarks only. */
  adminToken: string;
  /** The API as the tests' admin (system:masters): set-up only. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API objects of every kind
  request(method: string, apiPath: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A kubeconfig file for a token (a service account's, from tokenFor). */
  kubeconfig(token: string): string;
  /** A token of a service account, from the TokenRequest API. */
  tokenFor(namespace: string, name: string): Promise<string>;
  stop(): Promise<void>;
}

function binaries(): { apiserver: string; etcd: string } {
  const apiserver = process.env.KUBE_APISERVER_BIN;
  const etcd = process.env.ETCD_BIN;
  if (!apiserver || !etcd) throw new Error('KUBE_APISERVER_BIN/ETCD_BIN are not set: run the tests with `npm test`');
  return { apiserver, etcd };
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCertificates(dir: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=vulngate test cluster CA',
    '-keyout', 'ca.key', '-out', 'ca.crt'], dir); // prettier-ignore
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=kube-apiserver', '-keyout', 'server.key',
    '-out', 'server.csr'], dir); // prettier-ignore
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'ext.cnf', '-out', 'server.crt'], dir); // prettier-ignore
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

function start(command: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

export async function startCluster(): Promise<TestCluster> {
  const { apiserver, etcd } = binaries();
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-kube-'));
  makeCertificates(dir);
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  mkdirSync(path.join(dir, 'etcd'));
  const etcdProcess = start(etcd, ['--data-dir', path.join(dir, 'etcd'), '--listen-client-urls',
    `http://127.0.0.1:${etcdPort}`, '--advertise-client-urls', `http://127.0.0.1:${etcdPort}`,
    '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls',
    `http://127.0.0.1:${peerPort}`, '--initial-cluster', `default=http://127.0.0.1:${peerPort}`, '--log-level', 'error'],
    path.join(dir, 'etcd.log')); // prettier-ignore
  const adminToken = `admin-${Math.random().toString(36).slice(2)}`;
  writeFileSync(path.join(dir, 'tokens.csv'), `${adminToken},admin,admin,"system:masters"\n`);
  const f = (name: string) => path.join(dir, name);
  const api = start(apiserver, ['--etcd-servers', `http://127.0.0.1:${etcdPort}`, '--bind-address', '127.0.0.1',
    '--advertise-address', '127.0.0.1', '--secure-port', String(apiPort), '--tls-cert-file', f('server.crt'),
    '--tls-private-key-file', f('server.key'), '--client-ca-file', f('ca.crt'), '--token-auth-file', f('tokens.csv'),
    '--authorization-mode', 'RBAC', '--service-account-issuer', 'https://kubernetes.default.svc',
    '--service-account-key-file', f('sa.pub'), '--service-account-signing-key-file', f('sa.key'),
    '--service-cluster-ip-range', '10.0.0.0/24', '--disable-admission-plugins', 'ServiceAccount',
    '--cert-dir', f('certs'), '--enable-priority-and-fairness=false'], f('apiserver.log')); // prettier-ignore
  const server = `https://127.0.0.1:${apiPort}`;
  const dispatcher = new Agent({ connect: { ca: readFileSync(f('ca.crt'), 'utf8') } });
  const request = async (method: string, apiPath: string, body?: unknown) => {
    const response = await fetch(`${server}${apiPath}`, {
      method,
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher,
    } as RequestInit);
    const text = await response.text();
    // /readyz answers `ok` in plain text; the API answers JSON.
    const json = (response.headers.get('content-type') ?? '').includes('json');
    return { status: response.status, body: json && text ? JSON.parse(text) : { text } };
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (api.exitCode !== null)
      throw new Error(`kube-apiserver exited: ${readFileSync(f('apiserver.log'), 'utf8').slice(-2000)}`);
    const ready = await request('GET', '/readyz').catch(() => ({ status: 0, body: {} }));
    if (ready.status === 200) break;
    if (Date.now() > deadline) {
      for (const child of [api, etcdProcess]) child.kill('SIGKILL');
      throw new Error('kube-apiserver was not ready within 90 s');
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  const caData = readFileSync(f('ca.crt')).toString('base64');
  return {
    server,
    caFile: f('ca.crt'),
    adminToken,
    request,
    kubeconfig(token) {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'vg-kubeconfig-')), 'config');
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'test',
        clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': caData } }],
        users: [{ name: 'sa', user: { token } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user: 'sa' } }],
      };
      writeFileSync(file, yaml.dump(config));
      return file;
    },
    async tokenFor(namespace, name) {
      const answer = await request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      });
      if (answer.status !== 201) throw new Error(`TokenRequest: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.status.token as string;
    },
    async stop() {
      for (const child of [api, etcdProcess]) {
        child.kill('SIGTERM');
        await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.on('exit', r)));
      }
      await dispatcher.close();
    },
  };
}
