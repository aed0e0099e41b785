import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCiContext } from '../../src/config/ci-context.js';

function event(payload: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'vg-event-')), 'event.json');
  writeFileSync(file, JSON.stringify(payload));
  return file;
}

const GITHUB = {
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_SERVER_URL: 'https://github.example.com',
  GITHUB_API_URL: 'https://github.example.com/api/v3',
  GITHUB_RUN_ID: '42',
  GITHUB_WORKFLOW: 'image-scan',
  GITHUB_JOB: 'scan',
};

test('GitHub, a push: branch, default branch from the event, one run URL for everything', () => {
  const ci = readCiContext({
    ...GITHUB,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_PATH: event({ repository: { default_branch: 'main' } }),
  });
  expect(ci).toMatchObject({
    provider: 'github',
    repository: 'acme/shop',
    owner: 'acme',
    project: 'shop',
    ref: 'main',
  });
  expect(ci.defaultBranch).toBe('main');
  expect(ci.pipelineUrl).toBe('https://github.example.com/acme/shop/actions/runs/42');
  expect(ci.github).toMatchObject({
    owner: 'acme',
    repo: 'shop',
    ref: 'refs/heads/main',
    apiUrl: 'https://github.example.com/api/v3',
  });
  expect(ci.github?.pullRequest).toBeUndefined();
});

test('GitHub, a pull request from a fork: the head branch, the number, and that it is a fork', () => {
  const ci = readCiContext({
    ...GITHUB,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REF: 'refs/pull/7/merge',
    GITHUB_REF_NAME: '7/merge',
    GITHUB_HEAD_REF: 'feature/x',
    GITHUB_EVENT_PATH: event({
      pull_request: {
        number: 7,
        head: { repo: { full_name: 'mallory/shop' } },
        base: { repo: { full_name: 'acme/shop' } },
      },
    }),
  });
  expect(ci.ref).toBe('feature/x');
  expect(ci.changeRequest).toBe('7');
  expect(ci.github?.pullRequest).toEqual({ number: 7, fromFork: true });
});

test('an unreadable event payload means no pull request, not a crash', () => {
  const ci = readCiContext({
    ...GITHUB,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: '/nonexistent/event.json',
  });
  expect(ci.github?.pullRequest).toBeUndefined();
  expect(ci.defaultBranch).toBe('');
});

test('GitLab wins when both are present, from its CI_* variables', () => {
  const ci = readCiContext({
    ...GITHUB,
    GITLAB_CI: 'true',
    CI_PROJECT_PATH: 'group/sub/shop',
    CI_COMMIT_REF_NAME: 'main',
    CI_DEFAULT_BRANCH: 'main',
    CI_PIPELINE_URL: 'https://gitlab.example.com/group/sub/shop/-/pipelines/9',
    CI_MERGE_REQUEST_IID: '3',
  });
  expect(ci).toMatchObject({ provider: 'gitlab', owner: 'group/sub', project: 'shop', changeRequest: '3' });
  expect(ci.github).toBeUndefined();
});

test('outside CI everything is empty', () => {
  expect(readCiContext({})).toMatchObject({ provider: 'local', repository: '', pipelineUrl: '' });
});
