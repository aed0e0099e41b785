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
}
