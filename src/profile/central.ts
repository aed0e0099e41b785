import { createHash } from 'node:crypto';
import type { CentralProfiles } from '../config/profiles-repo.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, isGateError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Profile } from '../core/profile.js';
import { severityRank } from '../core/severity.js';
import { applyOverrides, findNamed, loadChain, type ProfileOverrides } from './load.js';
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
    const names = args.profile
      ? [args.profile]
      : [
          ...(central.project.owner && central.project.name
            ? [`${central.project.owner}/${central.project.name}`]
            : []),
          ...(central.project.name ? [central.project.name] : []),
        ];
    const wanted = [...names, 'default'].filter((n) => n.split('/').every((part) => NAME.test(part)));
    let file: string | undefined;
    for (const name of wanted) {
      file = await findNamed(path.join(fetched.dir, path.dirname(name)), path.basename(name));
      if (file) break;
    }
    if (!file) {
      const looked = wanted.map((n) => `${n}.yml`).join(', ');
      throw new ConfigError(`profiles-repo: none of ${looked} in ${label} (commit ${fetched.commit.slice(0, 12)})`);
    }
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
