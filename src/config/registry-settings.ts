import { ConfigError } from '../core/errors.js';
import { parsePlatformChoice, type PlatformChoice } from '../core/platforms.js';

/** How registry images are looked up and pulled. */
export interface RegistrySettings {
  platforms: PlatformChoice;
  /** registry-username / registry-password, for one registry (undefined: the job's Docker config alone). */
  login?: { registry?: string; username: string; password: string };
}

interface RegistryValues {
  platform: string[];
  registry?: string;
  'registry-username'?: string;
  'registry-password'?: string;
}

/** The platform choice and the login inputs; a login given by halves is one line naming the missing half. */
export function registrySettings(values: RegistryValues): RegistrySettings {
  const platforms = parsePlatformChoice(values.platform);
  const username = values['registry-username'];
  const password = values['registry-password'];
  if (!username && !password) return { platforms };
  if (!username || !password) {
    throw new ConfigError(`registry-${username ? 'password' : 'username'}: missing (the login needs both halves)`);
  }
  const registry = values.registry?.trim();
  if (registry !== undefined && !/^[a-z0-9.-]+(:\d+)?$/i.test(registry)) {
    throw new ConfigError(`registry: '${registry}' is not a registry host like registry.example.com or host:5000`);
  }
  return { platforms, login: { ...(registry ? { registry: registry.toLowerCase() } : {}), username, password } };
}
