import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFixtureImages } from './fixture-images.ts';
import { ROOT } from './paths.ts';
import { freshTrivyCache, realTrivy } from './trivy.ts';

/** A GitLab project in a temp dir: a build job that "saves" tarballs, and the vulngate template included. */
export async function gitlabProject(opts: {
  images: string[];
  profiles?: Record<string, string>;
  /** A fixture project under test/fixtures/code copied into the repository's root. */
  code?: string;
}): Promise<string> {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'vg-gitlab-')), 'shop');
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  copyFileSync(path.join(ROOT, 'templates/vulngate.gitlab-ci.yml'), path.join(dir, 'templates/vulngate.gitlab-ci.yml'));
  await writeFixtureImages(path.join(dir, 'fixtures'), opts.images);
  if (opts.code) cpSync(path.join(ROOT, 'test/fixtures/code', opts.code), dir, { recursive: true });
  for (const [name, text] of Object.entries(opts.profiles ?? {})) {
    mkdirSync(path.join(dir, 'profiles'), { recursive: true });
    writeFileSync(path.join(dir, 'profiles', name), text);
  }
  writeFileSync(
    path.join(dir, '.gitlab-ci.yml'),
    `include:
  - local: templates/vulngate.gitlab-ci.yml
stages: [build, test]
docker_build:
  stage: build
  script:
    - mkdir -p tar_images && cp fixtures/*.tar tar_images/
  artifacts:
    paths: [tar_images/]
`,
  );
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qm', 'init');
  git('remote', 'add', 'origin', 'https://gitlab.example.com/acme/shop.git');
  return dir;
}

/** The bundled CLI as `vulngate` on PATH, as the Docker image has it. */
function vulngateOnPath(): string {
  const bin = mkdtempSync(path.join(tmpdir(), 'vg-bin-'));
  const node = process.env.NODE24 ?? process.execPath;
  writeFileSync(
    path.join(bin, 'vulngate'),
    `#!/bin/sh\nexec "${node}" "${path.join(ROOT, 'dist/cli/index.js')}" "$@"\n`,
  );
  chmodSync(path.join(bin, 'vulngate'), 0o755);
  return bin;
}

/** Runs the pipeline with gitlab-ci-local's shell executor, on this machine's real Trivy and fixture DB. */
export async function runGitlabCiLocal(
  dir: string,
  variables: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  const { dir: trivyDir } = realTrivy();
  const cache = freshTrivyCache();
  const vars = { VULNGATE_CACHE_DIR: cache, VULNGATE_OFFLINE: 'true', ...variables };
  const args = [
    path.join(ROOT, 'node_modules/gitlab-ci-local/dist/index.js'),
    '--force-shell-executor',
    '--color=false',
    '--home',
    path.join(dir, '..', 'home'),
  ];
  for (const [k, v] of Object.entries(vars)) args.push('--variable', `${k}=${v}`);
  const child = spawn(process.env.NODE24 ?? process.execPath, args, {
    cwd: dir,
    env: { PATH: `${vulngateOnPath()}:${trivyDir}:${process.env.PATH}`, HOME: path.join(dir, '..') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { code, output };
}
