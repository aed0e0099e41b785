// profiles-repo as the user writes it: a ref is a name git would take, a host is never an option.
import { parseProfilesRepo, refProblem } from '../../src/config/profiles-repo.js';

const parse = (value: string) => parseProfilesRepo(value, 'profiles-repo', 'https://github.com');

test.each([
  ['acme/profiles@v3', { url: 'https://github.com/acme/profiles.git', ref: 'v3' }],
  [
    'https://git.example.com/sec/profiles.git@release/2026',
    { url: 'https://git.example.com/sec/profiles.git', ref: 'release/2026' },
  ],
  ['git@gitlab.example.com:sec/profiles.git@main', { url: 'git@gitlab.example.com:sec/profiles.git', ref: 'main' }],
  // The `@` of a ref comes after the path, never in the host part.
  ['ssh://gitlab.example.com/sec/profiles.git', { url: 'ssh://gitlab.example.com/sec/profiles.git' }],
  ['ssh://gitlab.example.com/sec/profiles.git@v1', { url: 'ssh://gitlab.example.com/sec/profiles.git', ref: 'v1' }],
])('%s', (value, expected) => {
  expect(parse(value)).toEqual({ ref: undefined, ...expected });
});

test.each([
  ['acme/profiles@--upload-pack=x', "the ref '--upload-pack=x' starts with -"],
  ['ssh://-oProxyCommand=x/sec/profiles.git', 'names no ssh host'],
  ['git@-oProxyCommand=x:sec/profiles.git', 'names no ssh host'],
])('%s is refused', (value, said) => {
  expect(() => parse(value)).toThrow(said);
});

test('refs as git check-ref-format has them', () => {
  for (const good of ['main', 'v1.2.3', 'release/2026-q1', 'a'.repeat(40), 'refs/heads/main', 'HEAD'])
    expect(refProblem(good)).toBeUndefined();
  for (const bad of [
    '-x',
    'a..b',
    'a@{1}',
    '@',
    'a/',
    '/a',
    'a//b',
    'a.',
    '.a',
    'a/.b',
    'x.lock',
    'a b',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[',
    'a\\b',
    'a\u0001',
  ])
    expect(refProblem(bad)).toBeDefined();
});
