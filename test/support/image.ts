// The GitLab image as `npm run image` builds it from the Dockerfile (scripts/image.sh, cached by its inputs), read from
// its OCI archive with tar and run with buildah.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './paths.ts';

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runProcess(command: string, args: string[], env = process.env): Promise<ProcessResult> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Builds the image (or takes it from the cache) into dir; with bakeDbFrom, BAKE_DB=true with that cache dir's DB. */
export async function buildImageArchive(dir: string, opts: { bakeDbFrom?: string } = {}): Promise<string> {
  const out = path.join(dir, opts.bakeDbFrom ? 'vulngate-image-db.oci.tar' : 'vulngate-image.oci.tar');
  const args = ['scripts/image.sh', '--out', out, ...(opts.bakeDbFrom ? ['--bake-db-from', opts.bakeDbFrom] : [])];
  const run = await runProcess('bash', args);
  if (run.code !== 0) throw new Error(`scripts/image.sh failed (${run.code}):\n${run.stderr.slice(-4000)}`);
  return run.stdout.trim().split('\n').at(-1)!;
}

export interface OciImage {
  manifest: { layers: { digest: string; size: number }[]; annotations?: Record<string, string> };
  config: {
    config: {
      User?: string;
      Entrypoint?: string[] | null;
      Cmd?: string[];
      Env?: string[];
      WorkingDir?: string;
      Labels?: Record<string, string>;
    };
    rootfs: { diff_ids: string[] };
    history: { created_by?: string; empty_layer?: boolean }[];
  };
}

/** The archive's one manifest and its config, read with tar alone (no container tool involved). */
export function readOciArchive(archive: string): OciImage {
  const member = (name: string) => execFileSync('tar', ['-xOf', archive, name], { maxBuffer: 1 << 26 }).toString();
  const blob = (digest: string) => JSON.parse(member(`blobs/sha256/${digest.replace(/^sha256:/, '')}`));
  const index = JSON.parse(member('index.json')) as { manifests: { digest: string }[] };
  if (index.manifests.length !== 1) throw new Error(`${archive}: ${index.manifests.length} manifests, expected one`);
  const manifest = blob(index.manifests[0]!.digest);
  return { manifest, config: blob(manifest.config.digest) };
}

/** Bytes of each layer once unpacked, read with tar and gzip alone. */
export function layerSizes(archive: string, image: OciImage): number[] {
  return image.manifest.layers.map((layer) => {
    const name = `blobs/sha256/${layer.digest.replace(/^sha256:/, '')}`;
    const out = execFileSync('sh', ['-c', 'tar -xOf "$0" "$1" | gzip -dc | wc -c', archive, name]);
    return Number(out.toString().trim());
  });
}

export interface ContainerRun {
  /** The command, run as the image's user unless user is given. */
  command: string[];
  env?: Record<string, string>;
  volumes?: { host: string; container: string }[];
  workdir?: string;
}

/**
 * A buildah storage of its own (vfs, as root) holding images pulled from OCI archives. Each run is a new working
 * container with chroot isolation inside a network namespace of its own with loopback alone (`unshare --net`, since
 * buildah's chroot isolation keeps the host's network), removed afterwards.
 */
export class BuildahStore {
  readonly root = mkdtempSync(path.join(tmpdir(), 'vg-buildah-'));

  private buildah(args: string[], opts: { offline?: boolean } = {}): Promise<ProcessResult> {
    const storage = ['--root', path.join(this.root, 'storage'), '--runroot', path.join(this.root, 'run')];
    const buildah = ['buildah', ...storage, '--storage-driver', 'vfs', ...args];
    if (!opts.offline) return runProcess(buildah[0]!, buildah.slice(1));
    // Loopback up, as in a Docker container: vulngate talks to its own Trivy server on 127.0.0.1.
    return runProcess('unshare', ['--net', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...buildah]);
  }

  private async buildahOk(args: string[]): Promise<string> {
    const run = await this.buildah(args);
    if (run.code !== 0) throw new Error(`buildah ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
    return run.stdout.trim();
  }

  /** Pulls the archive's image into the store; returns its image id. */
  async pull(archive: string): Promise<string> {
    return (await this.buildahOk(['pull', '-q', `oci-archive:${archive}`])).split('\n').at(-1)!;
  }

  async run(image: string, spec: ContainerRun): Promise<ProcessResult> {
    const container = (await this.buildahOk(['from', '-q', '--pull=never', image])).split('\n').at(-1)!;
    try {
      const args = ['run', '--isolation', 'chroot'];
      for (const [key, value] of Object.entries(spec.env ?? {})) args.push('--env', `${key}=${value}`);
      for (const v of spec.volumes ?? []) args.push('--volume', `${v.host}:${v.container}`);
      if (spec.workdir) args.push('--workingdir', spec.workdir);
      return await this.buildah([...args, container, '--', ...spec.command], { offline: true });
    } finally {
      await this.buildahOk(['rm', container]);
    }
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** One layer's entries (path → owner uid and content for files), read with tar alone. */
export function layerFiles(archive: string, digest: string): Map<string, { uid: number; content?: Buffer }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-layer-'));
  try {
    const name = `blobs/sha256/${digest.replace(/^sha256:/, '')}`;
    execFileSync('sh', ['-c', 'tar -xOf "$0" "$1" | tar -xzf - --numeric-owner -C "$2"', archive, name, dir]);
    const listing = execFileSync('find', ['.', '-mindepth', '1', '-printf', '%P\\t%U\\t%y\\n'], { cwd: dir });
    const files = new Map<string, { uid: number; content?: Buffer }>();
    for (const line of listing.toString().trim().split('\n').filter(Boolean)) {
      const [file, uid, type] = line.split('\t') as [string, string, string];
      files.set(file, { uid: Number(uid), content: type === 'f' ? readFileSync(path.join(dir, file)) : undefined });
    }
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
