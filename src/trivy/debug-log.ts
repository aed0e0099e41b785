/** Trivy's debug log names each layer it analyses and the layers it found: nothing else says what the cache gave. */
export const MISSING_LAYER = /Missing diff ID in cache\s+diff_id="?(sha256:[0-9a-f]+)/;
export const DETECTED_LAYERS = /Detected diff ID\s+diff_ids=\[(.*)\]/;
/**
 * Trivy skips a lockfile it cannot parse with only a debug line ("Walk error" from its parallel walker, "Analysis
 * error" from its analyzers), so a broken package-lock.json would pass as "no findings": vulngate reads the line
 * and fails that directory instead.
 */
const UNPARSED_FILE = /\s(?:Walk|Analysis) error\s+(.*)$/;
const LOG_FIELD = (name: string) => new RegExp(`${name}="((?:[^"\\\\]|\\\\.)*)"`);

export function unparsedFile(line: string): string | undefined {
  const fields = UNPARSED_FILE.exec(line)?.[1];
  if (fields === undefined) return undefined;
  const unquote = (text: string | undefined) => text?.replace(/\\(.)/g, '$1');
  const file = unquote(LOG_FIELD('file_path').exec(fields)?.[1]);
  const err = unquote(LOG_FIELD('err').exec(fields)?.[1]) ?? fields;
  return file ? `${file}: ${err}` : err;
}
