import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { ConfigError, errorCode } from '../core/errors.js';

/** How to reach the Kubernetes API: its URL, the CA its certificate is checked against, and one way to log in. */
export interface KubeAccess {
  server: string;
  ca?: string;
  token?: string;
  cert?: string;
  key?: string;
  /** Where it came from, for messages: the kubeconfig file and context, or `in-cluster`. */
  source: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface Named<T> {
  name?: string;
  [key: string]: unknown;
  value?: T;
}
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Named<unknown>[];
  clusters?: Named<unknown>[];
  users?: Named<unknown>[];
}
type Fields = Record<string, unknown>;

/**
 * `--kubeconfig`, else the first file of KUBECONFIG, else ~/.kube/config when it exists, else the pod's service
 * account (in-cluster). Logins: a token (or token file), or a client certificate; exec plugins and auth providers
 * run programs a kubeconfig names and are refused with one line (use a token).
 */
export async function kubeAccess(args: { kubeconfig?: string; env: NodeJS.ProcessEnv }): Promise<KubeAccess> {
  const { env } = args;
  const file =
    args.kubeconfig ??
    env.KUBECONFIG?.split(path.delimiter).find(Boolean) ??
    (await exists(path.join(env.HOME || homedir(), '.kube', 'config')));
  if (file) return fromKubeconfig(file);
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) return inCluster(env);
  throw new ConfigError('kubeconfig: no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not in a cluster');
}

async function exists(file: string): Promise<string | undefined> {
  try {
    await readFile(file);
    return file;
  } catch {
    return undefined;
  }
}

async function inCluster(env: NodeJS.ProcessEnv): Promise<KubeAccess> {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT}`;
  const read = (name: string) => readText(path.join(SERVICE_ACCOUNT_DIR, name), 'in-cluster service account');
  return { server, ca: await read('ca.crt'), token: (await read('token')).trim(), source: 'in-cluster' };
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`kubeconfig: cannot read ${file} (${errorCode(err)}) for the ${what}`);
  }
}

async function fromKubeconfig(file: string): Promise<KubeAccess> {
  let config: KubeconfigFile;
  try {
    config = (yaml.load(await readText(file, 'kubeconfig')) ?? {}) as KubeconfigFile;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`kubeconfig: ${file} is not YAML`);
  }
  const where = (key: string) => `kubeconfig: ${file}: ${key}`;
  const contextName = config['current-context'];
  const context = pick(config.contexts, contextName, 'context');
  if (!context) throw new ConfigError(where(`no context '${contextName ?? ''}' (set current-context)`));
  const cluster = pick(config.clusters, str(context.cluster), 'cluster');
  const user = pick(config.users, str(context.user), 'user') ?? {};
  const server = str(cluster?.server);
  if (!cluster || !server?.startsWith('https://')) {
    throw new ConfigError(where(`the context's cluster needs an https server URL`));
  }
  if (cluster['insecure-skip-tls-verify']) {
    throw new ConfigError(where('insecure-skip-tls-verify is not supported: give the cluster its CA'));
  }
  if (user.exec || user['auth-provider']) {
    throw new ConfigError(where('exec and auth-provider logins are not supported: use a token or a certificate'));
  }
  const dir = path.dirname(file);
  const material = (data: string, fileKey: string, from: Fields) =>
    typeof from[data] === 'string'
      ? Buffer.from(from[data], 'base64').toString('utf8')
      : typeof from[fileKey] === 'string'
        ? readText(path.resolve(dir, from[fileKey]), fileKey)
        : undefined;
  const tokenFile = str(user.tokenFile);
  const token =
    str(user.token) ?? (tokenFile ? (await readText(path.resolve(dir, tokenFile), 'tokenFile')).trim() : undefined);
  return {
    server: server.replace(/\/+$/, ''),
    ...optional('ca', await material('certificate-authority-data', 'certificate-authority', cluster)),
    ...optional('token', token),
    ...optional('cert', await material('client-certificate-data', 'client-certificate', user)),
    ...optional('key', await material('client-key-data', 'client-key', user)),
    source: `${file} (context ${contextName})`,
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `clusters: [{name, cluster: {...}}]`: the entry's inner object by name. */
function pick(list: Named<unknown>[] | undefined, name: string | undefined, field: string): Fields | undefined {
  const entry = list?.find((e) => e.name === name);
  const inner = entry?.[field];
  return typeof inner === 'object' && inner !== null ? (inner as Fields) : undefined;
}
