import { ConfigError } from '../core/errors.js';
import { oneLine, shorten, withoutTrailingSlashes } from '../core/text.js';

/** Where the central profiles live: a git URL and a ref, as the user named them (never with credentials). */
export interface ProfilesRepo {
  /** https://…, ssh://…, git@host:path, or http:// to a loopback host. */
  url: string;
  /** Branch, tag or commit; undefined: the remote's HEAD. */
  ref?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Why a ref is not one git would take as a name (git check-ref-format's rules), or undefined. Above all it never
 * starts with `-`: git would read `--upload-pack=…` as its own option.
 */
export function refProblem(ref: string): string | undefined {
  if (ref.startsWith('-')) return 'starts with -';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return 'has a space, a control character or one of ~ ^ : ? * [ \\';
  if (ref.includes('..') || ref.includes('@{') || ref === '@') return "has '..' or '@{', or is '@'";
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) return 'has an empty part';
  if (ref.endsWith('.')) return "ends with '.'";
  if (ref.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock')))
    return "has a part that starts with '.' or ends with '.lock'";
  return undefined;
}

/** The host of `git@host:path` or `ssh://[user@]host/path`: never one ssh would read as an option. */
function sshHostProblem(url: string): boolean {
  const host = url.startsWith('ssh://')
    ? /^ssh:\/\/(?:[^@/]*@)?([^/:]*)/.exec(url)?.[1]
    : /^git@([^:/]+):/.exec(url)?.[1];
  return host === undefined || host === '' || host.startsWith('-');
}

/**
 * `owner/name[@ref]` (GitHub), or a git URL with an optional `@ref` after the path. The ref is what follows the last
 * `@` when that part has no `:` (so `git@host:org/repo` keeps its user).
 */
export function parseProfilesRepo(value: string, label: string, githubServer: string): ProfilesRepo {
  const text = value.trim();
  // user:password@ in the authority: refused before anything else reads (or prints) the value.
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(text)) {
    throw new ConfigError(`${label}: the URL must not carry credentials; give the token as profiles-token`);
  }
  const at = text.lastIndexOf('@');
  const tail = at === -1 ? '' : text.slice(at + 1);
  // In a URL the ref's `@` comes after the host's first `/` (`ssh://git@host/repo.git` has a user, not a ref).
  const scheme = text.indexOf('://');
  const pathStart = scheme === -1 ? 0 : text.indexOf('/', scheme + 3);
  const hasRef =
    at > pathStart && pathStart !== -1 && tail !== '' && !tail.includes(':') && text.slice(0, at).includes('/');
  const base = hasRef ? text.slice(0, at) : text;
  const ref = hasRef ? tail : undefined;
  const badRef = ref === undefined ? undefined : refProblem(ref);
  if (badRef)
    throw new ConfigError(
      `${label}: the ref '${shorten(oneLine(ref ?? ''), 100)}' ${badRef}; give a branch, tag or commit`,
    );
  if (/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(base)) {
    return { url: `${withoutTrailingSlashes(githubServer)}/${base}.git`, ref };
  }
  if (/^git@[^:/]+:.+/.test(base) || base.startsWith('ssh://')) {
    if (sshHostProblem(base)) throw new ConfigError(`${label}: '${shorten(oneLine(base), 100)}' names no ssh host`);
    return { url: base, ref };
  }
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ConfigError(`${label}: '${shorten(oneLine(value), 100)}' is not owner/name nor a git URL (https, ssh)`);
  }
  if (url.username || url.password) {
    throw new ConfigError(`${label}: the URL must not carry credentials; give the token as profiles-token`);
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw new ConfigError(`${label}: plain http is allowed for 127.0.0.1 and localhost only; use https`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${label}: '${url.protocol}' is not allowed; use https, ssh or owner/name`);
  }
  return { url: base, ref };
}

/** The security team's repository of profiles, reviewed there; the scanned repository only names its project. */
export interface CentralProfiles {
  repo: ProfilesRepo;
  token?: string;
  tokenUser: string;
  /** A profile in the scanned repository can neither replace nor loosen the central one. */
  required: boolean;
  timeoutSeconds: number;
  /** The scanned repository: its profile is `<owner>/<name>.yml`, else `<name>.yml`, else `default.yml`. */
  project: { owner: string; name: string };
}
