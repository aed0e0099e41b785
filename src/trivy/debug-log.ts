import type { LayerStats } from '../core/finding.js';

/** Trivy's debug log names each layer it analyses and the layers it found: nothing else says what the cache gave. */
const MISSING_LAYER = /Missing diff ID in cache\s+diff_id="?(sha256:[0-9a-f]+)/;
const DETECTED_LAYERS = /Detected diff ID\s+diff_ids=\[(.*)\]/;
/**
 * Trivy skips a lockfile it cannot parse with only a debug line ("Walk error" from its parallel walker, "Analysis
 * error" from its analyzers), so a broken package-lock.json would pass as "no findings": vulngate reads the line
 * and fails that directory instead.
 */
const UNPARSED_FILE = /\s(?:Walk|Analysis) error\s+(.*)$/;
const LOG_FIELD = (name: string) => new RegExp(`${name}="((?:[^"\\\\]|\\\\.)*)"`);

function unparsedFile(line: string): string | undefined {
  const fields = UNPARSED_FILE.exec(line)?.[1];
  if (fields === undefined) return undefined;
  const unquote = (text: string | undefined) => text?.replace(/\\(.)/g, '$1');
  const file = unquote(LOG_FIELD('file_path').exec(fields)?.[1]);
  const err = unquote(LOG_FIELD('err').exec(fields)?.[1]) ?? fields;
  return file ? `${file}: ${err}` : err;
}

/** What one scan's debug log says: the layers it analysed and found, and the lockfiles it could not parse. */
export class TrivyScanLog {
  private readonly analysed = new Set<string>();
  private readonly unparsed: string[] = [];
  private total: number | undefined;

  constructor(private readonly readsLockfiles: boolean) {}

  read(line: string): void {
    const missing = MISSING_LAYER.exec(line);
    if (missing?.[1]) this.analysed.add(missing[1]);
    const detected = DETECTED_LAYERS.exec(line);
    if (detected?.[1] !== undefined) this.total = (detected[1].match(/sha256:/g) ?? []).length;
    const broken = this.readsLockfiles ? unparsedFile(line) : undefined;
    if (broken) this.unparsed.push(broken);
  }

  /** Undefined when Trivy did not say (it says so in its debug log only). */
  layers(): LayerStats | undefined {
    const { total, analysed } = this;
    return total === undefined
      ? undefined
      : { total, analysed: analysed.size, fromCache: Math.max(0, total - analysed.size) };
  }

  /** The first file Trivy could not parse (and how many more), or undefined. */
  unparsedFiles(): string | undefined {
    const [first] = this.unparsed;
    if (first === undefined) return undefined;
    return this.unparsed.length > 1 ? `${first} (and ${this.unparsed.length - 1} more)` : first;
  }
}
