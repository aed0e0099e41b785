import { cleanTrivyEnvironment, lastErrorLine } from '../../src/trivy/environment.js';

test('the last FATAL line, without timestamp, level and the generic contexts', () => {
  const stderr = [
    '2026-12-03T08:00:00Z\tINFO\tstarting',
    '2026-12-03T08:00:01Z\tFATAL\tFatal error\trun error: image scan error: scan error: unable to initialize a scan service: unable to initialize artifact: unable to initialize archive image: 2 errors occurred:',
    '\t* unable to open x.tar as a Docker image: unexpected EOF',
    '\t* unable to open x.tar as an OCI Image: not a directory',
  ].join('\n');
  expect(lastErrorLine(stderr)).toBe(
    'unable to initialize archive image: unable to open x.tar as a Docker image: unexpected EOF; unable to open x.tar as an OCI Image: not a directory',
  );
});

test('with --debug the contexts come one per line with stack frames; the cause is kept', () => {
  const stderr = [
    '2026-12-03T08:01:17Z\tDEBUG\t[image] Missing diff ID in cache\tdiff_id="sha256:1"',
    '2026-12-03T08:01:17Z\tFATAL\tFatal error',
    '  - run error:',
    '    github.com/aquasecurity/trivy/pkg/commands/artifact.Run',
    '        github.com/aquasecurity/trivy@v0.74.0/pkg/commands/artifact/run.go:417',
    '  - failed analysis:',
    '  - unable to get missing layers:',
    '  - backoff: permanent error (last error: twirp error unauthenticated: invalid token)',
  ].join('\n');
  expect(lastErrorLine(stderr)).toBe(
    'unable to get missing layers: backoff: permanent error (last error: twirp error unauthenticated: invalid token)',
  );
});

test('without an error line, the last line', () => {
  expect(lastErrorLine('a\nsegmentation fault\n')).toBe('segmentation fault');
  expect(lastErrorLine('')).toBe('no output');
});

test('TRIVY_* from the runner never reach Trivy; what vulngate sets does', () => {
  const env = cleanTrivyEnvironment({ PATH: '/bin', TRIVY_SEVERITY: 'LOW', SECRET: 'x' }, { TRIVY_TOKEN: 't' });
  expect(env).toEqual({ PATH: '/bin', TRIVY_TOKEN: 't' });
});
