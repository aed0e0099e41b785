/**
 * Variables Trivy may need from the runner: paths, proxies, CA bundles, registry auth for the DB download.
 * Everything else is left out, above all TRIVY_*: a stray TRIVY_SEVERITY or TRIVY_IGNOREFILE must not change results.
 */
const PASSED_THROUGH = [
  'PATH',
  'HOME',
  'TMPDIR',
  'LANG',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'DOCKER_CONFIG',
  'XDG_CACHE_HOME',
];

export function cleanTrivyEnvironment(
  parent: NodeJS.ProcessEnv,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of PASSED_THROUGH) {
    const value = parent[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Trivy wraps every error in the same chain of contexts; they say nothing about the cause. */
const GENERIC_PREFIXES =
  /^((run error|image scan error|scan error|unable to initialize a scan service|unable to initialize artifact|scan failed|failed analysis): )+/;

/**
 * Trivy logs `2024-01-01T00:00:00Z\tFATAL\tFatal error\trun error: …: 2 errors occurred:` followed by `\t* …` lines;
 * with --debug the contexts come one per line instead (`  - run error:`), each followed by its stack frame.
 * Returns the last FATAL/ERROR message with its contexts and `*` lines, on one line, without timestamp and level.
 */
export function lastErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    if (/^\S+\s+(FATAL|ERROR)\s/.test(lines[i] ?? '')) {
      start = i;
      break;
    }
  }
  if (start === -1) return lines.filter(Boolean).pop() ?? 'no output';
  const head = (lines[start] ?? '').replace(/^\S+\s+(FATAL|ERROR)\s+(Fatal error\s*)?/, '');
  const rest = lines.slice(start + 1);
  const contexts = rest.filter((l) => l.startsWith('- ')).map((l) => l.slice(2).replace(/:$/, ''));
  const details = rest.filter((l) => l.startsWith('*')).map((l) => l.replace(/^\*\s*/, ''));
  const chain = [head, ...contexts]
    .filter(Boolean)
    .join(': ')
    .replace(/:?\s*\d+ errors? occurred:?$/, '');
  const text = details.length > 0 ? `${chain}: ${details.join('; ')}` : chain;
  return text.replace(GENERIC_PREFIXES, '').replace(/\s+/g, ' ').trim();
}
