import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { kubeAccess } from '../../src/kube/kubeconfig.ts';

function kubeconfig(user: object, cluster: object = { server: 'https://k.example:6443' }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-kc-'));
  writeFileSync(path.join(dir, 'token'), 'from-file\n');
  writeFileSync(path.join(dir, 'ca.crt'), 'CA PEM');
  const file = path.join(dir, 'config');
  writeFileSync(file, yaml.dump({ 'current-context': 'c', contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    clusters: [{ name: 'k', cluster }], users: [{ name: 'u', user }] })); // prettier-ignore
  return file;
}

describe('kubeconfig', () => {
  test('token, token file, CA data or file, client certificate data', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const withData = kubeconfig(
      { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
      { server: 'https://k.example:6443/', 'certificate-authority-data': b64('CA') },
    );
    expect(await kubeAccess({ kubeconfig: withData, env: {} })).toMatchObject({
      server: 'https://k.example:6443',
      ca: 'CA',
      cert: 'CERT',
      key: 'KEY',
    });
    const withFiles = kubeconfig({ tokenFile: 'token' }, { server: 'https://k', 'certificate-authority': 'ca.crt' });
    expect(await kubeAccess({ kubeconfig: withFiles, env: {} })).toMatchObject({ token: 'from-file', ca: 'CA PEM' });
    // KUBECONFIG's first file when no flag.
    const file = kubeconfig({ token: 't' });
    expect((await kubeAccess({ env: { KUBECONFIG: `${file}${path.delimiter}/nowhere` } })).token).toBe('t');
  });

  test.each([
    [{ exec: { command: 'aws' } }, {}, 'exec and auth-provider logins are not supported: use a token or a certificate'],
    [{ token: 't' }, { server: 'http://k:8080' }, "the context's cluster needs an https server URL"],
    [
      { token: 't' },
      { server: 'https://k', 'insecure-skip-tls-verify': true },
      'insecure-skip-tls-verify is not supported',
    ],
  ])('refused with one line naming the file: %j', async (user, cluster, message) => {
    const file = kubeconfig(user, { server: 'https://k', ...cluster });
    await expect(kubeAccess({ kubeconfig: file, env: {} })).rejects.toThrow(`kubeconfig: ${file}: ${message}`);
  });

  test('none anywhere and not in a cluster', async () => {
    await expect(kubeAccess({ env: { HOME: mkdtempSync(path.join(tmpdir(), 'vg-home-')) } })).rejects.toThrow(
      'kubeconfig: no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not in a cluster',
    );
  });
});
