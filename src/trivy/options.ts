import type { TrivyServer } from './trivy-scanner.js';

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
}
