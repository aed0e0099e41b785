import { parseAll } from '@swimlane/docker-reference';
import { ConfigError } from './errors.js';

/** An image reference, read as Docker reads one: `alpine:3.20` is docker.io/library/alpine:3.20. */
export interface ImageReference {
  /** As the user wrote it (without the `registry://` or `docker:` prefix): the image's name in every output. */
  given: string;
  /** `docker.io`, `registry.example.com:5000`. */
  registry: string;
  /** `library/alpine`, `shop/api`. */
  repository: string;
  tag?: string;
  /** `sha256:…`, when pinned. */
  digest?: string;
}

/** What one `images` entry asks for: files (a tarball, an OCI layout, a glob), a registry image, a daemon image. */
export type ImageEntry =
  | { source: 'file'; pattern: string }
  | { source: 'registry'; reference: ImageReference }
  | { source: 'daemon'; reference: ImageReference };

const FILE_ENDINGS = /\.(tar|tar\.gz|tgz|tar\.zst|oci)$/i;
const GLOB_CHARS = /[*?[\]{}]/;

/**
 * Reads an `images` entry. Explicit forms first: `registry://REF` (a registry), `docker:REF` (the local Docker
 * engine). Then whatever exists on disk, a glob, or a name that looks like a path or a tarball is a file: a
 * missing `images/app.tar` stays "no such file", never a pull from Docker Hub. Then a reference with a tag or digest
 * (`registry.example.com/shop/api:1.2`, `…@sha256:…`, `alpine:3.20`, as trivy-action's image-ref takes it), or one
 * that names its registry. Anything else is one line naming the entry and the forms it may take.
 */
export function classifyImageEntry(entry: string, existsOnDisk: (path: string) => boolean): ImageEntry {
  const explicit = /^(registry:\/\/|docker:)(.*)$/s.exec(entry);
  if (explicit) {
    const reference = parseReference(explicit[2] ?? '', entry);
    return explicit[1] === 'docker:' ? { source: 'daemon', reference } : { source: 'registry', reference };
  }
  if (existsOnDisk(entry) || GLOB_CHARS.test(entry) || looksLikePath(entry)) return { source: 'file', pattern: entry };
  const reference = tryParse(entry);
  if (reference && (reference.tag || reference.digest || namesRegistry(entry))) {
    return { source: 'registry', reference };
  }
  throw new ConfigError(
    `images: '${entry}' is no file here and no image reference with a tag or digest (give a tarball, a glob, an OCI ` +
      `layout, a reference like ${reference ? `${entry}:latest or registry://${entry}` : 'registry.example.com/shop/api:1.2'}, or docker:NAME:TAG)`,
  );
}

function looksLikePath(entry: string): boolean {
  return (
    FILE_ENDINGS.test(entry) ||
    entry.startsWith('./') ||
    entry.startsWith('../') ||
    entry.startsWith('/') ||
    entry.startsWith('~') ||
    entry.includes('\\')
  );
}

/** `registry.example.com/…`, `localhost:5000/…`: the first component is a host, as Docker decides it. */
function namesRegistry(entry: string): boolean {
  const first = entry.split('/')[0] ?? '';
  return entry.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

function tryParse(text: string): ImageReference | undefined {
  try {
    return parseReference(text, text);
  } catch {
    return undefined;
  }
}

/** One reference; a bad one is a configuration error naming the entry. */
export function parseReference(text: string, entry: string): ImageReference {
  let parsed: ReturnType<typeof parseAll>;
  try {
    if (text === '' || text.startsWith('-') || /\s/.test(text)) throw new Error('invalid reference format');
    parsed = parseAll(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^invalid reference format:?\s*/, '') : '';
    throw new ConfigError(
      `images: '${entry}' is not an image reference${why ? ` (${why})` : ''}; ` +
        'write it as registry/name:tag or name@sha256:…',
    );
  }
  return {
    given: text,
    registry: parsed.domain ?? 'docker.io',
    repository: parsed.repository ?? '',
    ...(parsed.tag ? { tag: parsed.tag } : {}),
    ...(parsed.digest ? { digest: parsed.digest } : {}),
  };
}

/** `registry.example.com/shop/api`: the name without tag or digest, as the user wrote the registry part. */
export function givenRepository(reference: ImageReference): string {
  const [name = reference.given] = reference.given.split('@');
  return name.replace(/:[^/:]+$/, '');
}

/** Docker Hub's registry is reached at registry-1.docker.io; every other registry at its own name. */
export function registryHost(reference: Pick<ImageReference, 'registry'>): string {
  return reference.registry === 'docker.io' ? 'registry-1.docker.io' : reference.registry;
}
