import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, errorCode } from '../core/errors.js';

/** A login for one registry: what `docker login` stores, or the registry-username/-password inputs. */
export interface RegistryLogin {
  /** The host (and port) it is for, as Docker names it: `registry.example.com:5000`, `docker.io`. */
  registry: string;
  username: string;
  password: string;
}

/** config.json as `docker login` and docker/login-action write it; only what vulngate reads. */
export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [key: string]: unknown;
}

/** The job's Docker config: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`; none is an empty one. */
export async function readDockerConfig(env: NodeJS.ProcessEnv): Promise<{ file: string; config: DockerConfig }> {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || homedir(), '.docker');
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return { file, config: {} };
    throw new ConfigError(`DOCKER_CONFIG: cannot read ${file} (${errorCode(err)})`);
  }
  try {
    const config = JSON.parse(text) as unknown;
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error('not an object');
    return { file, config: config as DockerConfig };
  } catch {
    throw new ConfigError(`DOCKER_CONFIG: ${file} is not a JSON object as docker login writes it`);
  }
}

/** `https://index.docker.io/v1/` and `registry.example.com` name the same registries as Docker reads them. */
function hostOfKey(key: string): string {
  const bare = key.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '';
  return bare === 'index.docker.io' || bare === 'registry-1.docker.io' ? 'docker.io' : bare;
}

/** The login stored for one registry; undefined where there is none (or only a credential helper has it). */
export function loginFor(config: DockerConfig, registry: string): RegistryLogin | undefined {
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (hostOfKey(key) !== registry) continue;
    if (entry.username && entry.password) return { registry, username: entry.username, password: entry.password };
    if (!entry.auth) continue;
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { registry, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}

/** A credential helper (docker-credential-*) holds this registry's login: only Trivy, which runs it, can use it. */
export function helperHolds(config: DockerConfig, registry: string): boolean {
  const helpers = Object.keys(config.credHelpers ?? {}).map(hostOfKey);
  return helpers.includes(registry) || (config.credsStore !== undefined && loginFor(config, registry) === undefined);
}

/**
 * A Docker config for this run only: the job's, plus the one login given as inputs, for its one registry. Trivy
 * reads it through DOCKER_CONFIG and sends each login only to the registry it is stored for — unlike TRIVY_USERNAME
 * and TRIVY_PASSWORD, which Trivy sends to every registry an image names. The directory is private (0700, file
 * 0600) and removed when the run ends.
 */
export async function writeRunDockerConfig(
  config: DockerConfig,
  login: RegistryLogin,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vulngate-docker-'));
  await chmod(dir, 0o700);
  const key = login.registry === 'docker.io' ? 'https://index.docker.io/v1/' : login.registry;
  const auths = Object.fromEntries(Object.entries(config.auths ?? {}).filter(([k]) => hostOfKey(k) !== login.registry));
  const credHelpers = Object.fromEntries(
    Object.entries(config.credHelpers ?? {}).filter(([k]) => hostOfKey(k) !== login.registry),
  );
  const auth = Buffer.from(`${login.username}:${login.password}`).toString('base64');
  const merged: DockerConfig = { ...config, auths: { ...auths, [key]: { auth } }, credHelpers };
  await writeFile(path.join(dir, 'config.json'), `${JSON.stringify(merged)}\n`, { mode: 0o600 });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
