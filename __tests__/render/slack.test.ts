// The Slack message as Slack receives it, for the shared reports: what changes in it shows in review.
import { renderSlackMessage, slackMessageData } from '../../src/render/slack.js';
import { expectGolden } from '../../test/support/golden.ts';
import { sharedResults } from '../../test/support/shared-results.ts';

test('the Block Kit message of three shared reports (golden)', () => {
  const data = slackMessageData({
    results: sharedResults(),
    events: ['fail', 'expired-exception'],
    where: 'acme/shop @ main',
    runUrl: 'https://github.com/acme/shop/actions/runs/99',
    artifactUrl: 'https://github.com/acme/shop/actions/runs/99/artifacts/7',
  });
  const message = renderSlackMessage(data, { mention: '<!subteam^S0PAYMENTS>', linkOrigin: 'https://github.com' });
  expectGolden('slack-shared.json', `${JSON.stringify(message, null, 2)}\n`);
});
