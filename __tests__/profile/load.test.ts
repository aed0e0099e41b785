import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/core/errors.js';
import { loadProfile } from '../../src/profile/load.js';
import { recordingLogger } from '../../test/support/logger.ts';

function profilesDir(files: Record<string, string>): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'vg-profiles-')), 'profiles');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const load = (args: { profile?: string; dir: string; overrides?: object }) => {
  const logger = recordingLogger();
  return {
    logger,
    loaded: loadProfile({
      profile: args.profile,
      profilesDir: args.dir,
      overrides: args.overrides ?? {},
      logger,
      now: new Date('2026-11-23T12:00:00Z'),
    }),
  };
};

describe('finding the profile', () => {
  test('a name reads <dir>/<name>.yml, or .yaml', async () => {
    const dir = profilesDir({ 'kibana.yml': 'severity: CRITICAL\n', 'api.yaml': 'severity: LOW\n' });
    expect((await load({ profile: 'kibana', dir }).loaded).severity).toBe('CRITICAL');
    expect((await load({ profile: 'api', dir }).loaded).source).toBe(path.join(dir, 'api.yaml'));
  });

  test('a named profile that does not exist is an error with a did-you-mean, never the looser default', async () => {
    const dir = profilesDir({ 'default.yml': 'severity: CRITICAL\n', 'strict.yml': 'severity: LOW\n' });
    await expect(load({ profile: 'strcit', dir }).loaded).rejects.toThrow(
      new ConfigError(`profile 'strcit': no strcit.yml or strcit.yaml in ${dir}/ (did you mean 'strict'?)`),
    );
    await expect(load({ profile: 'payments', dir }).loaded).rejects.toThrow(
      new ConfigError(`profile 'payments': no payments.yml or payments.yaml in ${dir}/`),
    );
  });

  test('without default.yml the built-in default applies: HIGH, ignore unfixed', async () => {
    const dir = profilesDir({});
    expect(await load({ dir }).loaded).toEqual({
      source: 'built-in default',
      severity: 'HIGH',
      ignoreUnfixed: true,
      exceptions: [],
    });
  });

  test('no profile given reads default.yml when there is one', async () => {
    const dir = profilesDir({ 'default.yml': 'ignore_unfixed: false\n' });
    expect((await load({ dir }).loaded).ignoreUnfixed).toBe(false);
  });

  test('a path must exist', async () => {
    const dir = profilesDir({});
    await expect(load({ profile: path.join(dir, 'missing.yml'), dir }).loaded).rejects.toThrow(
      new ConfigError(`profile '${path.join(dir, 'missing.yml')}': no such file`),
    );
  });

  test('names cannot walk out of the directory', async () => {
    await expect(load({ profile: '..', dir: profilesDir({}) }).loaded).rejects.toThrow(
      /not a file path nor a profile name/,
    );
  });

  test('inputs override the profile', async () => {
    const dir = profilesDir({ 'default.yml': 'severity: LOW\nignore_unfixed: true\n' });
    expect(await load({ dir, overrides: { severity: 'CRITICAL', ignoreUnfixed: false } }).loaded).toMatchObject({
      severity: 'CRITICAL',
      ignoreUnfixed: false,
    });
  });
});

describe('extends', () => {
  test('scalars override, exception lists concatenate (base first)', async () => {
    const dir = profilesDir({
      'base.yml': 'severity: MEDIUM\nignore_unfixed: false\nexceptions: [{id: CVE-1, note: base}]\n',
      'team.yml': 'extends: base\nseverity: HIGH\nexceptions: [{id: CVE-2, note: team}]\n',
      'app.yml': 'extends: team\nexceptions: [{id: CVE-3, note: app}]\n',
    });
    const profile = await load({ profile: 'app', dir }).loaded;
    expect(profile).toMatchObject({ source: path.join(dir, 'app.yml'), severity: 'HIGH', ignoreUnfixed: false });
    expect(profile.exceptions.map((e) => [e.id, e.origin])).toEqual([
      ['CVE-1', `${path.join(dir, 'base.yml')} exceptions[0]`],
      ['CVE-2', `${path.join(dir, 'team.yml')} exceptions[0]`],
      ['CVE-3', `${path.join(dir, 'app.yml')} exceptions[0]`],
    ]);
  });

  test('a cycle is an error', async () => {
    const dir = profilesDir({ 'a.yml': 'extends: b\n', 'b.yml': 'extends: a\n' });
    await expect(load({ profile: 'a', dir }).loaded).rejects.toThrow(
      `${path.join(dir, 'a.yml')}: 'extends' makes a cycle (a.yml → b.yml → a.yml)`,
    );
  });

  test('extending a missing profile is an error naming both', async () => {
    const dir = profilesDir({ 'a.yml': 'extends: gone\n' });
    await expect(load({ profile: 'a', dir }).loaded).rejects.toThrow(
      `${path.join(dir, 'a.yml')}: extends: no profile 'gone' in ${dir}/ (looked for gone.yml, gone.yaml)`,
    );
  });

  test('an error in a base profile names the base file', async () => {
    const dir = profilesDir({ 'base.yml': 'severity: HUGE\n', 'app.yml': 'extends: base\n' });
    await expect(load({ profile: 'app', dir }).loaded).rejects.toThrow(
      `${path.join(dir, 'base.yml')}: severity: "HUGE" is not a severity`,
    );
  });
});

describe('kev, epss and eol_os inherit through extends, each on its own', () => {
  test('the base sets kev and eol_os, the project adds epss and loosens eol_os', async () => {
    const dir = profilesDir({
      'base.yml': 'kev: block\neol_os: block\n',
      'api.yml': 'extends: base\nepss: 0.2\neol_os: warn\n',
    });
    expect((await load({ profile: 'api', dir }).loaded).exploitation).toEqual({
      kev: 'block',
      epss: 0.2,
      eolOs: 'warn',
    });
    expect((await load({ profile: 'base', dir }).loaded).exploitation).toEqual({ kev: 'block', eolOs: 'block' });
  });

  test('out of range or unknown values are one line naming the key', async () => {
    const dir = profilesDir({ 'a.yml': 'epss: 1.5\n', 'b.yml': 'kev: sometimes\n' });
    await expect(load({ profile: 'a', dir }).loaded).rejects.toThrow(/a\.yml: epss: must be <= 1|a\.yml: epss/);
    await expect(load({ profile: 'b', dir }).loaded).rejects.toThrow(
      `${path.join(dir, 'b.yml')}: kev: "sometimes" is not allowed; allowed: block, warn, ignore`,
    );
  });
});
