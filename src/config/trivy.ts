import { ConfigError } from '../core/errors.js';

/**
 * The Trivy release vulngate runs by default; its archives' SHA-256 are pinned in src/trivy/checksums.ts, so a new
 * default goes with its checked hashes there.
 */
export const DEFAULT_TRIVY_VERSION = '0.74.0';
export const DEFAULT_TRIVY_DOWNLOAD_URL = 'https://github.com/aquasecurity/trivy/releases/download/v{version}/{asset}';

/** An existing Trivy server that scans as a service, so many runners share one DB. */
export interface TrivyServer {
  url: string;
  token?: string;
}

/** Everything the shells collect about how to get and run Trivy. */
export interface TrivyOptions {
  version: string;
  checksum?: string;
  downloadUrl: string;
  cacheDir: string;
  timeoutSeconds: number;
  offline: boolean;
  dbRepositories: string[];
  javaDb: boolean;
  server?: TrivyServer;
  /** Trivy's layer cache in cacheDir, kept between runs and bounded. */
  layerCache: { enabled: boolean; maxMb: number };
  /** OpenVEX or CycloneDX VEX files, checked; Trivy suppresses what they say is not affected. */
  vexFiles: string[];
  /** List every package in reports, so an SBOM can be made from them. */
  listAllPackages: boolean;
  /** A Docker config written for this run (registry-username/-password): Trivy's DOCKER_CONFIG. */
  dockerConfigDir?: string;
}

/** Normalizes `v0.74.0` to `0.74.0`; refuses anything that is not a release version. */
export function parseTrivyVersion(text: string): string {
  const version = text.trim().replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+$/.test(version))
    throw new ConfigError(`trivy-version: '${text}' is not a release version like 0.74.0`);
  return version;
}
