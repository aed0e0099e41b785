import path from 'node:path';
import type { ScanTarget } from './scanner.js';

/** Trivy's command and scanners per kind; an SBOM has no files to search for secrets. */
export const SUBCOMMAND = {
  image: { command: 'image', input: true, scanners: 'vuln,secret' },
  fs: { command: 'fs', input: false, scanners: 'vuln,secret' },
  sbom: { command: 'sbom', input: false, scanners: 'vuln' },
} as const;

/** What Trivy is given to read: a file or directory, or (after `--`) a reference with where to pull it from. */
export function targetArgs(target: ScanTarget): string[] {
  const { remote } = target;
  if (remote) {
    const platform = remote.trivyPlatform ? ['--platform', remote.trivyPlatform] : [];
    return ['--image-src', remote.source === 'daemon' ? 'docker' : 'remote', ...platform];
  }
  return SUBCOMMAND[target.kind].input ? ['--input', path.resolve(target.path)] : [path.resolve(target.path)];
}
