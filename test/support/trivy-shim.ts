import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { realTrivy } from './trivy.ts';

export interface TrivyShim {
  /** A directory to put first on PATH: its `trivy` records each call and runs the real one. */
  dir: string;
  /** One line per call: the arguments, then `TRIVY_TOKEN=set|unset`. */
  calls(): string[];
  /** The pid of the `trivy server` it started, once it did. */
  serverPid(): number | undefined;
}

/**
 * A `trivy` in front of the real one, for fault tests: it records argv (never the token's value: only whether the
 * variable was set), and can kill the server before the Nth image scan or make image scans wait.
 */
export function trivyShim(options: { killServerBeforeScan?: number; scanDelaySeconds?: number } = {}): TrivyShim {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-shim-'));
  const state = path.join(dir, 'state');
  mkdirSync(state);
  const script = `#!/usr/bin/env bash
state='${state}'
printf '%s TRIVY_TOKEN=%s\\n' "$*" "\${TRIVY_TOKEN:+set}" >> "$state/calls"
if [ "$1" = server ]; then echo $$ > "$state/server.pid"; exec '${realTrivy().bin}' "$@"; fi
if [ "$1" = image ] && [[ " $* " == *" --input "* ]]; then
  n=$(( $(cat "$state/scans" 2>/dev/null || echo 0) + 1 )); echo $n > "$state/scans"
  if [ "$n" = '${options.killServerBeforeScan ?? 0}' ] && [ -f "$state/server.pid" ]; then kill -9 "$(cat "$state/server.pid")"; sleep 0.3; fi
  sleep ${options.scanDelaySeconds ?? 0}
fi
exec '${realTrivy().bin}' "$@"
`;
  writeFileSync(path.join(dir, 'trivy'), script);
  chmodSync(path.join(dir, 'trivy'), 0o755);
  return {
    dir,
    calls: () =>
      existsSync(path.join(state, 'calls')) ? readFileSync(path.join(state, 'calls'), 'utf8').trim().split('\n') : [],
    serverPid: () =>
      existsSync(path.join(state, 'server.pid'))
        ? Number(readFileSync(path.join(state, 'server.pid'), 'utf8'))
        : undefined,
  };
}
