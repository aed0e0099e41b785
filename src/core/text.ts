/**
 * Text from a scanned image (package names, titles, paths, descriptions) is written by whoever built the image: in
 * a pull request, an attacker. These make it one harmless line before it reaches a log or a document.
 */

/** C0 and C1 controls (not tab), DEL, and the bidi overrides and isolates that reorder what a reader sees. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** One line, without control characters: newlines become spaces, ESC and BEL and the like are dropped. */
export function oneLine(text: string): string {
  return text.replace(/\r\n?|\n/g, ' ').replace(CONTROLS, '');
}

/**
 * For a runner's log: one line that cannot be a workflow command (`::add-mask::`, `::stop-commands::`): a line is a
 * command only when it starts with `::`, so a leading one gets a space before it.
 */
export function logLine(text: string): string {
  const line = oneLine(text);
  return line.startsWith('::') ? ` ${line}` : line;
}

/** At most `max` characters, with an ellipsis when cut. */
export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** `https://host/api/` → `https://host/api`, `dir//` → `dir`: ready for `/more` to be appended. */
export function withoutTrailingSlashes(text: string): string {
  return text.replace(/\/+$/, '');
}
