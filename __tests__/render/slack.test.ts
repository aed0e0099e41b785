// The Slack message as Slack receives it, for the shared reports: what changes in it shows in review.
import { renderSlackMessage } from '../../src/render/slack.js';
import { expectGolden } from '../../test/support/golden.ts';
import { sharedResults } from '../../test/support/shared-results.ts';

test('the Block Kit message of three shared reports (golden)', () => {
  const message = renderSlackMessage({
    results: sharedResults(),
    events: ['fail', 'expired-exception'],
    where: 'acme/shop @ main',
    mention: '<!subteam^S0PAYMENTS>',
    runUrl: 'https://github.com/acme/shop/actions/runs/99',
    artifactUrl: 'https://github.com/acme/shop/actions/runs/99/artifacts/7',
  });
  expectGolden('slack-shared.json', `${JSON.stringify(message, null, 2)}\n`);
});
