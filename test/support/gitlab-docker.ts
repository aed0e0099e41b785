// templates/vulngate.gitlab-ci.yml's job run inside the image as GitLab Runner's docker executor runs it: the project
// at /builds/<group>/<project>, GitLab's predefined variables and the job's own, before_script and script in the
// script GitLab Runner's bash shell writes, as the image's user, in the image's environment; then the artifacts the
// job declares.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { type BuildahStore, type ProcessResult } from './image.ts';
import { ROOT } from './paths.ts';

interface TemplateJob {
  variables: Record<string, string>;
  before_script: string[];
  script: string[];
  cache: { paths: string[] };
  artifacts: { paths: string[]; reports: Record<string, string> };
}

export function templateJob(): TemplateJob {
  const template = yaml.load(readFileSync(path.join(ROOT, 'templates/vulngate.gitlab-ci.yml'), 'utf8'));
  return (template as { vulngate: TemplateJob }).vulngate;
}

export const GROUP = 'acme';
export const PROJECT = 'shop';
export const BUILDS_DIR = '/builds';
export const PROJECT_DIR = `${BUILDS_DIR}/${GROUP}/${PROJECT}`;

/** GitLab's predefined variables for a pipeline on the default branch at commit sha. */
export function predefinedVariables(sha: string): Record<string, string> {
  const server = 'https://gitlab.example.com';
  const projectUrl = `${server}/${GROUP}/${PROJECT}`;
  return {
    CI: 'true',
    GITLAB_CI: 'true',
    CI_SERVER: 'yes',
    CI_SERVER_URL: server,
    CI_API_V4_URL: `${server}/api/v4`,
    CI_BUILDS_DIR: BUILDS_DIR,
    CI_PROJECT_DIR: PROJECT_DIR,
    CI_PROJECT_ID: '42',
    CI_PROJECT_NAME: PROJECT,
    CI_PROJECT_NAMESPACE: GROUP,
    CI_PROJECT_PATH: `${GROUP}/${PROJECT}`,
    CI_PROJECT_URL: projectUrl,
    CI_PIPELINE_ID: '1001',
    CI_PIPELINE_SOURCE: 'push',
    CI_PIPELINE_URL: `${projectUrl}/-/pipelines/1001`,
    CI_JOB_ID: '5001',
    CI_JOB_NAME: 'vulngate',
    CI_JOB_STAGE: 'test',
    CI_JOB_URL: `${projectUrl}/-/jobs/5001`,
    CI_COMMIT_SHA: sha,
    CI_COMMIT_SHORT_SHA: sha.slice(0, 8),
    CI_COMMIT_REF_NAME: 'main',
    CI_COMMIT_REF_SLUG: 'main',
    CI_COMMIT_BRANCH: 'main',
    CI_DEFAULT_BRANCH: 'main',
  };
}

/**
 * Expands ${NAME} and $NAME from vars, as GitLab expands the artifacts' and cache's paths; an unknown name is an
 * error here, so a template that names a variable the job does not set cannot pass unnoticed.
 */
export function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    const value = vars[name];
    if (value === undefined) throw new Error(`${text}: $${name} is not set`);
    return value;
  });
}

/**
 * The project directory as the runner leaves it before the job's script: the clone (here the gitlabProject dir), the
 * docker_build job's artifacts (tar_images/, what its script writes) and, when given, the job's cache restored. The
 * runner creates all of it with umask 0000 (GitLab Runner's default for the docker executor), so a non-root image can
 * write there: hence a+rwX.
 */
export function prepareProjectDir(dir: string, opts: { restoredCache?: { from: string; to: string } } = {}): void {
  mkdirSync(path.join(dir, 'tar_images'), { recursive: true });
  for (const name of readdirSync(path.join(dir, 'fixtures'))) {
    cpSync(path.join(dir, 'fixtures', name), path.join(dir, 'tar_images', name));
  }
  if (opts.restoredCache) cpSync(opts.restoredCache.from, path.join(dir, opts.restoredCache.to), { recursive: true });
  execFileSync('chmod', ['-R', 'a+rwX', dir]);
}

export interface JobRun extends ProcessResult {
  variables: Record<string, string>;
}

/**
 * The step script as GitLab Runner's bash shell writes it (shells/bash.go, Finish): errexit and pipefail, each command
 * echoed then run, all inside `: | eval`. With that default strategy bash reports 1 for any failing command, whatever
 * its own code; the FF_USE_NEW_BASH_EVAL_STRATEGY feature flag (a job variable) evaluates in a subshell instead, which
 * keeps the command's code (for allow_failure: exit_codes).
 */
export function runnerStepScript(commands: string[], variables: Record<string, string>): string {
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const body = commands.map((command) => `echo ${quote(`$ ${command}`)}\n${command}`).join('\n');
  const evaluate = variables.FF_USE_NEW_BASH_EVAL_STRATEGY === 'true' ? `(eval ${quote(body)})` : `eval ${quote(body)}`;
  return [
    'trap exit 1 TERM',
    'if set -o | grep pipefail > /dev/null; then set -o pipefail; fi; set -o errexit',
    'set +o noclobber',
    `: | ${evaluate}`,
    'exit 0',
  ].join('\n');
}

/** Runs the template's job in the image over the project dir; cicdVariables are the project's CI/CD variables. */
export async function runTemplateJob(
  store: BuildahStore,
  image: string,
  dir: string,
  cicdVariables: Record<string, string> = {},
): Promise<JobRun> {
  const job = templateJob();
  const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
  // Precedence as GitLab's: predefined, then the job's variables, then the project's CI/CD variables.
  const variables = { ...predefinedVariables(sha), ...job.variables, ...cicdVariables };
  const run = await store.run(image, {
    // The runner starts the image's bash (its shell detection finds /bin/bash) on the step script.
    command: ['bash', '-c', runnerStepScript([...job.before_script, ...job.script], variables)],
    env: variables,
    volumes: [{ host: dir, container: PROJECT_DIR }],
    workdir: PROJECT_DIR,
  });
  return { ...run, variables };
}

/** The files the job's artifacts:paths keep, relative to the project dir, expanded with the job's variables. */
export function artifactPaths(dir: string, variables: Record<string, string>): string[] {
  return templateJob().artifacts.paths.map((p) => path.join(dir, expand(p, variables)));
}

export function ownerUid(file: string): number {
  return statSync(file).uid;
}
