import { createHash } from 'node:crypto';
import type { CentralProfiles } from '../config/profiles-repo.js';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, isGateError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Profile } from '../core/profile.js';
import { severityRank } from '../core/severity.js';
import { didYouMean } from '../core/suggest.js';
import { applyOverrides, findNamed, loadChain, profileNames, type ProfileOverrides } from './load.js';
import { fetchProfilesRepo } from './profiles-repo.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function loadCentralProfile(args: {
  central: CentralProfiles;
  /** A profile name asked for explicitly (a name in the profiles repository). */
  profile?: string;
  overrides: ProfileOverrides;
  logger: Logger;
  now: Date;
  env: NodeJS.ProcessEnv;
}): Promise<Profile> {
  const { central } = args;
  const label = `${central.repo.url}${central.repo.ref ? `@${central.repo.ref}` : ''}`;
  const fetched = await fetchProfilesRepo({ ...central, env: args.env });
  try {
    const file = await findCentralFile({
      dir: fetched.dir,
      central,
      profile: args.profile,
      label,
      commit: fetched.commit,
    });
    const relative = path.relative(fetched.dir, file).split(path.sep).join('/');
    const loaded = await loadChain({ file, logger: args.logger, now: args.now, root: fetched.dir }).catch(
      (err: unknown) => {
        // Messages name files by their place in the profiles repository, not the temporary checkout.
        if (isGateError(err)) throw new ConfigError(err.message.split(`${fetched.dir}/`).join(`${label}:`));
        throw err;
      },
    );
    const profile: Profile = {
      ...loaded,
      source: `${label}:${relative}`,
      exceptions: loaded.exceptions.map((e) => ({ ...e, origin: e.origin.split(`${fetched.dir}/`).join('') })),
      files: (loaded.files ?? []).map((f) => ({
        ...f,
        file: path.relative(fetched.dir, f.file).split(path.sep).join('/'),
      })),
      origin: {
        repository: central.repo.url,
        ref: central.repo.ref ?? 'HEAD',
        commit: fetched.commit,
        file: relative,
        sha256: createHash('sha256')
          .update(await readFile(file))
          .digest('hex'),
      },
    };
    if (central.required) refuseLoosening(profile, args.overrides);
    return applyOverrides(profile, args.overrides);
  } finally {
    await fetched.remove();
  }
}

/**
 * A name asked for is that profile or an error (with a did-you-mean), never `default.yml` in its place; without one,
 * `<owner>/<repo>.yml` → `<repo>.yml` → `default.yml`. Names are checked before they touch the file system.
 */
async function findCentralFile(args: {
  dir: string;
  central: CentralProfiles;
  profile?: string;
  label: string;
  commit: string;
}): Promise<string> {
  const { central, dir } = args;
  const at = `${args.label} (commit ${args.commit.slice(0, 12)})`;
  if (args.profile) {
    if (!isProfileName(args.profile)) {
      throw new ConfigError(
        `profile '${args.profile}': not a profile name of the profiles repository ` +
          "(letters, digits, '.', '_', '-', and '/' between names)",
      );
    }
    const file = await findNamed(path.join(dir, path.dirname(args.profile)), path.basename(args.profile));
    if (file) return insideCheckout(dir, file, args.label);
    const names = await profileNames(path.join(dir, path.dirname(args.profile)));
    throw new ConfigError(
      `profile '${args.profile}': no ${args.profile}.yml in ${at}${didYouMean(path.basename(args.profile), names)}`,
    );
  }
  const { owner, name } = central.project;
  const wanted = [...(owner && name ? [`${owner}/${name}`] : []), ...(name ? [name] : []), 'default'].filter(
    isProfileName,
  );
  for (const candidate of wanted) {
    const file = await findNamed(path.join(dir, path.dirname(candidate)), path.basename(candidate));
    if (file) return insideCheckout(dir, file, args.label);
  }
  throw new ConfigError(`profiles-repo: none of ${wanted.map((n) => `${n}.yml`).join(', ')} in ${at}`);
}

function isProfileName(name: string): boolean {
  return name.split('/').every((part) => NAME.test(part));
}

/** A profile that is a symlink out of the checkout is not the reviewed repository's profile: refused, named. */
async function insideCheckout(dir: string, file: string, label: string): Promise<string> {
  const [root, real] = await Promise.all([realpath(dir), realpath(file)]);
  if (real.startsWith(`${root}${path.sep}`)) return file;
  const relative = path.relative(dir, file).split(path.sep).join('/');
  throw new ConfigError(`profiles-repo: ${label}:${relative} is a link to a file outside the profiles repository`);
}

/** profiles-repo-required: an input may tighten the central profile, never loosen it. */
function refuseLoosening(profile: Profile, overrides: ProfileOverrides): void {
  if (overrides.severity && severityRank(overrides.severity) > severityRank(profile.severity)) {
    throw new ConfigError(
      `severity: ${overrides.severity} would loosen the central profile's ${profile.severity} ` +
        '(profiles-repo-required); ask for the change in the profiles repository',
    );
  }
  if (overrides.ignoreUnfixed === true && !profile.ignoreUnfixed) {
    throw new ConfigError(
      "ignore-unfixed: true would loosen the central profile's ignore_unfixed false (profiles-repo-required)",
    );
  }
}
