// git's stderr turned into one line: the status comes from git's own status line, never from digits elsewhere
// (CI once read "403" out of the port in http://127.0.0.1:40351 and named the wrong status).
import { describeGitError } from '../../src/profile/profiles-repo.js';

const repo = { url: 'http://127.0.0.1:40351/profiles.git' };
const secrets = { token: 'wrong', forms: ['wrong'] };

describe('describeGitError', () => {
  test.each([
    ["fatal: Authentication failed for 'http://127.0.0.1:40351/profiles.git/'", '401'],
    ["fatal: unable to access 'http://127.0.0.1:40351/profiles.git/': The requested URL returned error: 401", '401'],
    ["fatal: unable to access 'http://127.0.0.1:40351/profiles.git/': The requested URL returned error: 403", '403'],
    ["fatal: could not read Username for 'http://127.0.0.1:40351': terminal prompts disabled", '401'],
  ])('%s names status %s', (stderr, status) => {
    expect(describeGitError(stderr, repo, secrets)).toBe(
      `profiles-repo: ${repo.url} refused the token (${status}); check profiles-token`,
    );
  });

  test('without a token, a request for credentials asks for one', () => {
    const stderr = "fatal: could not read Username for 'http://127.0.0.1:40351': terminal prompts disabled";
    expect(describeGitError(stderr, repo, { forms: [] })).toBe(
      `profiles-repo: ${repo.url} asks for credentials; set profiles-token`,
    );
  });
});
