import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, errorCode } from '../core/errors.js';

/** What vulngate accepts as VEX: OpenVEX documents and CycloneDX BOMs with vulnerabilities (VEX). */
function vexKind(doc: unknown): 'openvex' | 'cyclonedx' | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  if (
    typeof d['@context'] === 'string' &&
    d['@context'].startsWith('https://openvex.dev/ns') &&
    Array.isArray(d.statements)
  )
    return 'openvex';
  if (d.bomFormat === 'CycloneDX' && Array.isArray(d.vulnerabilities)) return 'cyclonedx';
  return undefined;
}

async function checkFile(file: string): Promise<void> {
  let doc: unknown;
  try {
    doc = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (err) {
    const why = err instanceof SyntaxError ? 'not JSON' : errorCode(err);
    throw new ConfigError(`vex: '${file}' cannot be read (${why}); give OpenVEX or CycloneDX VEX JSON`);
  }
  if (!vexKind(doc)) {
    throw new ConfigError(
      `vex: '${file}' is neither an OpenVEX document (@context https://openvex.dev/ns…, statements) nor a ` +
        'CycloneDX VEX (bomFormat CycloneDX, vulnerabilities)',
    );
  }
}

/**
 * The VEX documents as Trivy takes them (`--vex FILE`, once each): files as given, directories as their *.json files
 * (sorted). Every one is checked before anything is scanned: a bad one is exit 2 naming it.
 */
export async function resolveVexFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const given of paths) {
    const info = await stat(given).catch((err: unknown) => {
      throw new ConfigError(`vex: '${given}' does not exist (${errorCode(err)})`);
    });
    if (info.isDirectory()) {
      const names = (await readdir(given)).filter((n) => n.endsWith('.json')).sort();
      if (names.length === 0) throw new ConfigError(`vex: '${given}' holds no *.json VEX documents`);
      files.push(...names.map((n) => path.join(given, n)));
    } else files.push(given);
  }
  for (const file of files) await checkFile(file);
  return [...new Set(files)];
}
