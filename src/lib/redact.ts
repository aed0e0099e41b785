/**
 * A secret a server echoes back (an error page quoting the request, a 404 naming the path) never reaches a log line
 * or the spool: every form in which it may be echoed is replaced by `***`.
 */

/** Shorter values are not secrets worth hiding, and hiding them would mangle ordinary words. */
const MIN_LENGTH = 4;
/** A webhook URL's path segments this long are its token parts; shorter ones (`services`, `T0000`) are names. */
const MIN_URL_SEGMENT = 12;

/**
 * `Basic dXNlcjp0b2tlbg==` → `user:token` and `token`; `ApiKey aWQ6a2V5` (Elasticsearch: base64 of `id:key`) → `id:key`
 * and `key`; `Bearer x` / `Token x` → `x`.
 */
function headerCredentials(value: string): string[] {
  const match = /^(Basic|ApiKey|Bearer|Token)\s+(\S+)$/i.exec(value.trim());
  if (!match?.[2]) return [];
  const credential = match[2];
  if (!['basic', 'apikey'].includes(match[1]?.toLowerCase() ?? '')) return [credential];
  const pair = Buffer.from(credential, 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  return colon === -1 ? [credential] : [credential, pair, pair.slice(colon + 1)];
}

/** A secret URL (a Slack webhook): the URL, its path (with the query) and its long path segments. */
function urlParts(value: string): string[] {
  if (!/^https?:\/\//i.test(value)) return [];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  const segments = url.pathname.split('/').filter((s) => s.length >= MIN_URL_SEGMENT);
  return [url.href, `${url.pathname}${url.search}`, url.pathname, ...segments.flatMap(decoded)];
}

/** A path segment as given and as decoded (a server may quote either). */
function decoded(segment: string): string[] {
  try {
    return [segment, decodeURIComponent(segment)];
  } catch {
    return [segment];
  }
}

/**
 * Every form of one secret a server may echo: as given, its header or URL parts, each also URL-encoded. Of a header
 * value only the credential is a secret, so an echo reads `Token ***`: what was echoed stays visible.
 */
export function secretForms(secret: string): string[] {
  const credentials = headerCredentials(secret);
  const plain = credentials.length > 0 ? credentials : [secret, ...urlParts(secret)];
  const forms = new Set(plain.flatMap((form) => [form, encodeURIComponent(form)]));
  return [...forms].filter((form) => form.length >= MIN_LENGTH);
}

/** The text with every form of every secret replaced by `***`, the longest forms first. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const forms = [...new Set(secrets.flatMap((s) => (s ? secretForms(s) : [])))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of forms) out = out.split(form).join('***');
  return out;
}
