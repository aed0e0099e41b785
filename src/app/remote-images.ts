import { ConfigError, describeError } from '../core/errors.js';
import { givenRepository, type ImageReference } from '../core/image-source.js';
import { DEFAULT_PLATFORM } from '../core/platforms.js';
import type { Logger } from '../core/logger.js';
import type { ImageError, RunWarning } from '../core/results.js';
import type { RegistrySettings } from '../config/registry-settings.js';
import type { RetryPolicy } from '../lib/retry.js';
import {
  helperHolds,
  loginFor,
  readDockerConfig,
  writeRunDockerConfig,
  type DockerConfig,
  type RegistryLogin,
} from '../registry/docker-config.js';
import { resolveImage, type ResolvedImage } from '../registry/manifests.js';
import type { ScanTarget } from '../trivy/scanner.js';
import type { RemoteEntry } from './targets.js';

export interface RemoteTargets {
  targets: ScanTarget[];
  /** Images that could not be looked up: scan errors (exit 3), the others are still scanned. */
  errors: ImageError[];
  warnings: RunWarning[];
}

export interface Logins {
  config: DockerConfig;
  /** The registry-username/-password login, with the registry it is for. */
  input?: RegistryLogin;
  /** The run's Docker config for Trivy, when the inputs gave a login; removed at the end of the run. */
  dockerConfigDir?: string;
  remove: () => Promise<void>;
}

/**
 * The job's Docker config, and the login inputs written into a copy of it for this run. The inputs' login is for
 * the registry named by `registry`, else for the one registry the references name; several: a configuration error.
 */
export async function prepareLogins(
  entries: RemoteEntry[],
  settings: RegistrySettings | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Logins> {
  const { config } = entries.length > 0 ? await readDockerConfig(env) : { config: {} };
  const given = settings?.login;
  if (!given) return { config, remove: async () => undefined };
  const registries = [...new Set(entries.filter((e) => e.source === 'registry').map((e) => e.reference.registry))];
  const registry = given.registry ?? (registries.length === 1 ? registries[0] : undefined);
  if (!registry) {
    throw new ConfigError(
      `registry: the images name ${registries.length === 0 ? 'no registry' : registries.join(', ')}; name the one ` +
        'registry-username is for',
    );
  }
  const input = { registry, username: given.username, password: given.password };
  const written = await writeRunDockerConfig(config, input);
  return { config, input, dockerConfigDir: written.dir, remove: written.remove };
}

/**
 * Each registry image looked up and pinned to digests (one target per platform chosen); daemon images as given.
 * A lookup that fails is that image's scan error, unless only a credential helper holds its login: then Trivy,
 * which runs the helper, pulls the reference as given.
 */
export async function remoteTargets(args: {
  entries: RemoteEntry[];
  settings: RegistrySettings | undefined;
  logins: Logins;
  timeoutMs: number;
  retry: RetryPolicy;
  logger: Logger;
}): Promise<RemoteTargets> {
  const out: RemoteTargets = { targets: [], errors: [], warnings: [] };
  // In the order given, whatever order the lookups end in.
  const perEntry: ScanTarget[][] = args.entries.map(() => []);
  const choice = args.settings?.platforms ?? { kind: 'default' };
  await Promise.all(
    args.entries.map(async (entry, order) => {
      const { reference } = entry;
      if (entry.source === 'daemon') {
        const remote = { source: 'daemon' as const, name: reference.given, reference: reference.given };
        perEntry[order] = [{ kind: 'image', path: reference.given, remote }];
        return;
      }
      const login = loginOf(reference, args.logins);
      try {
        const resolved = await resolveImage({ reference, choice, login, timeoutMs: args.timeoutMs, retry: args.retry });
        perEntry[order] = resolvedTargets(reference, resolved);
        const note = defaultPlatformNote(reference, resolved, choice.kind === 'default');
        if (note) {
          args.logger.info(note.message);
          out.warnings.push(note);
        }
      } catch (err) {
        if (!login && helperHolds(args.logins.config, reference.registry)) {
          args.logger.info(`${reference.given}: a credential helper holds the login; Trivy looks the image up itself`);
          perEntry[order] = [helperTarget(reference, choice)];
          return;
        }
        const message = describeError(err);
        out.errors.push({ image: reference.given, kind: 'image', source: reference.given, message });
      }
    }),
  );
  out.targets = perEntry.flat();
  return out;
}

function loginOf(reference: ImageReference, logins: Logins): RegistryLogin | undefined {
  if (logins.input?.registry === reference.registry) return logins.input;
  return loginFor(logins.config, reference.registry);
}

/** One target per manifest: pulled by digest, named as given (with the platform when several were chosen). */
function resolvedTargets(reference: ImageReference, resolved: ResolvedImage): ScanTarget[] {
  const several = resolved.manifests.length > 1;
  return resolved.manifests.map(({ digest, platform }) => {
    const variant = platform && resolved.indexDigest && platform !== DEFAULT_PLATFORM ? platform : undefined;
    return {
      kind: 'image',
      path: `${givenRepository(reference)}@${digest}`,
      remote: {
        source: 'registry',
        name: several || variant ? `${reference.given} (${platform})` : reference.given,
        reference: reference.given,
        manifestDigest: digest,
        ...(platform ? { platform } : {}),
        ...(variant ? { variant } : {}),
        ...(resolved.indexDigest ? { indexDigest: resolved.indexDigest } : {}),
      },
    };
  });
}

/** A multi-platform image scanned for linux/amd64 alone, because nothing else was asked: said, not assumed. */
function defaultPlatformNote(
  reference: ImageReference,
  resolved: ResolvedImage,
  byDefault: boolean,
): RunWarning | undefined {
  if (!byDefault || resolved.indexPlatforms.length < 2) return undefined;
  return {
    code: 'default-platform',
    message:
      `${reference.given} is a multi-platform image (${resolved.indexPlatforms.join(', ')}): scanned ` +
      `${DEFAULT_PLATFORM} only; set platform to a list or all to scan the others`,
  };
}

function helperTarget(reference: ImageReference, choice: RegistrySettings['platforms']): ScanTarget {
  const platform = choice.kind === 'list' && choice.platforms.length === 1 ? choice.platforms[0] : undefined;
  return {
    kind: 'image',
    path: reference.given,
    remote: {
      source: 'registry',
      name: reference.given,
      reference: reference.given,
      ...(platform ? { trivyPlatform: platform } : {}),
    },
  };
}
