// What the receivers send, for the shared reports: the SQS messages, and the issue bodies (GitHub and GitLab take
// the same markdown, Jira its Atlassian Document Format). A change to any of them shows in review.
import { readCiContext } from '../../../src/config/ci-context.js';
import { issueAdf } from '../../../src/delivery/receivers/issues/jira.js';
import { issueMarkdown } from '../../../src/delivery/receivers/issues/markdown.js';
import { issueSpecs } from '../../../src/delivery/receivers/issues/sync.js';
import { buildMessages } from '../../../src/delivery/receivers/sqs/messages.js';
import { expectGolden } from '../../../test/support/golden.ts';
import { sharedResults } from '../../../test/support/shared-results.ts';

const CI = readCiContext({
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_REF_NAME: 'main',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_RUN_ID: '99',
  GITHUB_SERVER_URL: 'https://github.com',
});

test('SQS messages of three shared reports (golden)', () => {
  const identity = { scanId: '00000000-0000-4000-8000-000000000000', timestamp: '2026-11-23T12:00:00.000Z', ci: CI };
  const messages = buildMessages({ identity, results: sharedResults() });
  expectGolden('sqs-messages-shared.json', `${JSON.stringify(messages, null, 2)}\n`);
});

test('issue bodies on GitHub and GitLab of three shared reports (golden)', () => {
  const specs = issueSpecs(sharedResults());
  expect(specs.length).toBeGreaterThan(0);
  const bodies = specs.map((spec) => `# ${spec.title}\n\n${issueMarkdown(spec)}\n`);
  expectGolden('issues-markdown-shared.md', bodies.join('\n---\n\n'));
});

test('issue descriptions on Jira of three shared reports (golden)', () => {
  const specs = issueSpecs(sharedResults());
  const documents = specs.map((spec) => ({ summary: spec.title, description: issueAdf(spec) }));
  expectGolden('issues-jira-shared.json', `${JSON.stringify(documents, null, 2)}\n`);
});
