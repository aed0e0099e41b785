import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { helperHolds, loginFor, readDockerConfig, writeRunDockerConfig } from '../../src/registry/docker-config.ts';
import { realmRefusal } from '../../src/registry/manifests.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe("the job's Docker config", () => {
  test('logins by registry as docker login stores them (Docker Hub under its v1 URL)', () => {
    const config = {
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub:hubpw') },
        'ghcr.io': { auth: b64('gh:gh:pw:with:colons') },
        'https://registry.example.com': { username: 'u', password: 'p' },
      },
      credHelpers: { '123.dkr.ecr.eu-west-1.amazonaws.com': 'ecr-login' },
    };
    expect(loginFor(config, 'docker.io')).toEqual({ registry: 'docker.io', username: 'hub', password: 'hubpw' });
    expect(loginFor(config, 'ghcr.io')?.password).toBe('gh:pw:with:colons');
    expect(loginFor(config, 'registry.example.com')?.username).toBe('u');
    expect(loginFor(config, 'quay.io')).toBeUndefined();
    expect(helperHolds(config, '123.dkr.ecr.eu-west-1.amazonaws.com')).toBe(true);
    expect(helperHolds(config, 'quay.io')).toBe(false);
  });

  test('DOCKER_CONFIG names the directory; none is empty; a broken one is one line naming it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vg-dc-'));
    expect((await readDockerConfig({ DOCKER_CONFIG: dir })).config).toEqual({});
    writeFileSync(path.join(dir, 'config.json'), '{not json');
    await expect(readDockerConfig({ DOCKER_CONFIG: dir })).rejects.toThrow(
      `DOCKER_CONFIG: ${dir}/config.json is not a JSON object as docker login writes it`,
    );
  });

  test("the run's config: the job's logins, the inputs' login for its registry alone, private, removed", async () => {
    const job = { auths: { 'ghcr.io': { auth: b64('gh:x') }, 'r.example:5000': { auth: b64('old:old') } } };
    const written = await writeRunDockerConfig(job, { registry: 'r.example:5000', username: 'ci', password: 's3cret' });
    const file = path.join(written.dir, 'config.json');
    expect(statSync(written.dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const config = JSON.parse(readFileSync(file, 'utf8'));
    expect(config.auths).toEqual({ 'ghcr.io': { auth: b64('gh:x') }, 'r.example:5000': { auth: b64('ci:s3cret') } });
    await written.remove();
    expect(() => statSync(written.dir)).toThrow();
  });
});

describe("a registry's token realm", () => {
  test.each([
    ['https://auth.docker.io/token', 'registry-1.docker.io', undefined],
    ['https://127.0.0.1:5001/token', '127.0.0.1:5000', undefined],
    ['http://127.0.0.1:5001/token', '127.0.0.1:5000', undefined],
    ['http://auth.example/token', 'r.example', 'over plain http'],
    ['https://10.0.0.5/token', 'r.example', 'on a private address'],
    ['https://169.254.169.254/latest/meta-data', 'r.example', 'on a private address'],
    ['https://127.0.0.1/token', 'r.example', 'on a private address'],
    ['https://[::1]/token', 'r.example', 'on a private address'],
    ['https://192.168.1.2/token', '192.168.1.2:5000', undefined],
  ])('%s for %s: %s', (realm, registry, refusal) => {
    expect(realmRefusal(new URL(realm), registry)).toBe(refusal);
  });
});
