import { distance } from 'fastest-levenshtein';

/**
 * The closest of `candidates` to a mistyped `word`, for a "did you mean" hint: within a third of the word's length
 * (at least 2 edits), case-insensitive; undefined when nothing is that close.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const wanted = word.toLowerCase();
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  let best: { name: string; edits: number } | undefined;
  for (const name of candidates) {
    const edits = distance(wanted, name.toLowerCase());
    if (edits <= limit && (best === undefined || edits < best.edits)) best = { name, edits };
  }
  return best?.name;
}

/** ` (did you mean 'strict'?)`, or empty. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const hint = closest(word, candidates);
  return hint === undefined ? '' : ` (did you mean '${hint}'?)`;
}
