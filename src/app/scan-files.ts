import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ScanTarget } from '../trivy/scanner.js';
import { cyclonedxFromReport, type TrivyReportForSbom } from '../render/cyclonedx.js';
import { VULNGATE_VERSION } from '../version.js';
import { targetName } from './targets.js';

/**
 * sbom/NNN-name.cdx.json, built in the process from the report the scan wrote; its subject is the image's name, not
 * the runner's path. A failure is a warning: the verdict does not depend on it.
 */
export async function writeSbom(args: {
  target: ScanTarget;
  reportPath: string;
  text: string;
  name: string;
  sbomDir?: string;
  now: () => Date;
  logger: Logger;
}): Promise<string | undefined> {
  // An SBOM that was scanned already is one.
  if (!args.sbomDir || args.target.kind === 'sbom') return undefined;
  const sbomPath = path.join(args.sbomDir, path.basename(args.reportPath).replace(/\.json$/, '.cdx.json'));
  try {
    const bom = cyclonedxFromReport(JSON.parse(args.text) as TrivyReportForSbom, {
      name: args.name,
      now: args.now(),
      toolVersion: VULNGATE_VERSION,
    });
    await writeFile(sbomPath, bom);
    return sbomPath;
  } catch (err) {
    args.logger.warning(`No SBOM for ${args.name}: ${describeError(err)}`);
    return undefined;
  }
}

/** `001-api.json`, `004-fs-services_api.json`, `005-sbom-app.cdx.json`. */
export function reportFileName(target: ScanTarget, index: number, workspace: string): string {
  const name = targetName(target, workspace);
  const safe = (text: string) => text.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '_');
  const slug =
    target.kind === 'image'
      ? target.remote
        ? `registry-${safe(name)}`
        : name
      : `${target.kind}-${name === '.' ? 'root' : safe(name)}`;
  return `${String(index + 1).padStart(3, '0')}-${slug}.json`;
}
