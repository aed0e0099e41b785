import type { CiContext } from './ci-context.js';
import type { OptionSet } from './options.js';
import { elasticsearchDestination } from './elasticsearch-settings.js';
import {
  centralProfiles,
  defectDojoUrl,
  trackerCredentials,
  type DeliveryDestinations,
  type ProfileSettings,
} from './settings.js';

/*
 * `vulngate forward`'s settings: the spool it replays says what to send, and this job says everything else —
 * where to, with what credentials, and (through its profile) who is told.
 */

/**
 * `vulngate forward`'s destinations: whatever this job names, each checked as for a run. DefectDojo's product is
 * this job's (default: its repository), and a replayed import closes nothing unless this job says so: the report
 * comes from an artifact, and an artifact must not close another branch's or product's findings.
 */
export function replayDestinations(options: OptionSet, env: NodeJS.ProcessEnv, ci: CiContext): DeliveryDestinations {
  const { values } = options;
  return {
    sqs: { queueUrl: values['sqs-queue-url'], region: values['aws-region'] },
    elasticsearch: elasticsearchDestination(options),
    defectDojo: {
      url: defectDojoUrl(options),
      token: values['defectdojo-token'],
      productType: values['defectdojo-product-type'] || ci.owner || undefined,
      product: values['defectdojo-product'] || ci.repository || undefined,
      closeOldFindings: values['defectdojo-close-old-findings'] ?? false,
    },
    trackers: trackerCredentials(values, env),
  };
}

/**
 * `vulngate forward`'s profile: the replaying job's, found as a run finds it. Its notify says who is told and
 * through what (Slack's variable and mention, the issue tracker and project), never the spool.
 */
export function replayProfile(options: OptionSet, ci: CiContext): ProfileSettings {
  const { values } = options;
  return {
    central: centralProfiles(options, ci),
    profile: values.profile,
    profilesDir: values['profiles-dir'],
    overrides: {},
  };
}
