// Long work is never silent: a heartbeat on a slow scan, the verdict before delivery starts, every retry announced
// with its wait; and help that teaches (grouped, wrapped, with examples).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliFromDist } from '../../test/support/cli.ts';
import { startDefectDojoFake } from '../../test/support/defectdojo-server.ts';
import { writeFixtureImages } from '../../test/support/fixture-images.ts';
import { ROOT, reportPath } from '../../test/support/paths.ts';
import { freshTrivyCache, pathWithTrivy } from '../../test/support/trivy.ts';
import { trivyShim } from '../../test/support/trivy-shim.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-progress-'));

/**
 * The bundled CLI with stdout and stderr in one stream, in the order they were written. Asynchronous: the local
 * servers it talks to live in this process.
 */
async function interleaved(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  const node = process.env.NODE24 ?? process.execPath;
  const quoted = [node, path.join(ROOT, 'dist/cli/index.js'), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`);
  const child = spawn('bash', ['-c', `exec ${quoted.join(' ')} 2>&1`], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { code, output };
}

test('a scan that takes a while says it is still running (a slow Trivy)', async () => {
  const images = tmp();
  await writeFixtureImages(images, ['clean']);
  const shim = trivyShim({ scanDelaySeconds: 3 });
  const run = cliFromDist(
    [
      'scan',
      '--images',
      `${images}/clean.tar`,
      '--cache-dir',
      freshTrivyCache(),
      '--offline',
      '--heartbeat',
      '1',
      '-o',
      tmp(),
      '--profiles-dir',
      tmp(),
    ],
    { env: { PATH: `${shim.dir}:${pathWithTrivy()}` } },
  );
  expect(run.stderr).toMatch(new RegExp(`^Still scanning ${images}/clean\\.tar: [12] s$`, 'm'));
  expect(run.stderr).toMatch(/^Scanned .*clean\.tar in [3-9]\.\d s/m);
});

test('the verdict comes before delivery; each retry of a receiver is announced with its wait', async () => {
  const dojo = await startDefectDojoFake({ token: 'dd-token-0123456789' });
  try {
    dojo.script({ status: 503, body: 'upstream down' }, { status: 503, body: 'upstream down' });
    const { code, output } = await interleaved(
      [
        'evaluate',
        '--report',
        reportPath('alpine-39'),
        '-o',
        tmp(),
        '--profiles-dir',
        tmp(),
        '--defectdojo-url',
        dojo.url,
        '--defectdojo-allow-http',
        'true',
        '--defectdojo-product-type',
        'acme',
        '--defectdojo-product',
        'shop',
        '--defectdojo-engagement',
        'main',
      ],
      { VULNGATE_DEFECTDOJO_TOKEN: 'dd-token-0123456789' },
    );
    expect(code).toBe(1);
    const verdict = output.indexOf('✖ vulngate: FAIL');
    const retrying = output.search(/retrying in \d+\.\d s \(attempt 2 of \d\)/);
    expect(verdict).toBeGreaterThan(-1);
    expect(retrying).toBeGreaterThan(verdict);
    expect(output).toMatch(/retrying in \d+\.\d s \(attempt 3 of \d\)/);
    expect(dojo.tests).toHaveLength(1);
    expect(output).not.toContain('dd-token-0123456789');
  } finally {
    await dojo.close();
  }
});

test('--help: options grouped, wrapped to 80 columns, examples and short aliases', () => {
  const help = cliFromDist(['scan', '--help']).stdout;
  const headings = help.split('\n').filter((l) => /^[A-Z][^:]*:$/.test(l));
  expect(headings).toEqual([
    'What to scan:',
    'Policy:',
    'Output:',
    'Registries:',
    'Trivy:',
    'Cache:',
    'Delivery (SQS, DefectDojo, trackers):',
    'Options:',
    'Examples:',
  ]);
  const optionLines = help.slice(0, help.indexOf('Examples:')).split('\n');
  // Only a single word that cannot be broken (a URL) may run past the width.
  expect(optionLines.filter((l) => l.length > 80 && /\S\s+\S/.test(l.trim()))).toEqual([]);
  expect(help).toContain('-o, --output-dir <dir>');
  expect(help).toContain('-f, --format <format>');
  expect(help).toContain('-q, --quiet');
  expect(help).toContain("vulngate scan --images 'tar_images/*.tar'");
});
