import {
  ALL_COMMANDS,
  JUDGE_COMMANDS,
  booleanOption,
  choiceOption,
  integerOption,
  listOption,
  textOption,
  urlOption,
  type OptionSpec,
} from './option-types.js';

/** GitHub publishing and forwarding: part of the option table (src/config/options.ts). */
export const DELIVERY_OPTIONS = {
  // GitHub publishing (the action).
  'upload-sarif': booleanOption({
    help: 'Upload vulngate.sarif to GitHub code scanning (needs `permissions: security-events: write`).',
    default: true,
  }),
  'github-token': textOption({
    help:
      'Token for code scanning, the pull-request comment, the API and GitHub issues (notify.issues; needs ' +
      '`issues: write`).',
    actionDefault: '${{ github.token }}',
    secret: true,
    commands: ALL_COMMANDS,
    envOnly: true,
  }),
  'comment-on-pr': booleanOption({
    help:
      'On pull requests, keep one comment per job with the verdict and what changed (needs ' +
      '`pull-requests: write`).',
    default: true,
  }),
  'upload-artifact': booleanOption({
    help: 'Upload the output directory (raw reports, results, SARIF, GitLab report, summary) as the audit artifact.',
    default: true,
  }),
  'artifact-name': textOption({
    help: 'Name of the audit artifact. Default vulngate-<job>-<key of the scanned images>, unique per matrix job.',
  }),
  'artifact-retention-days': integerOption({
    help: 'Days GitHub keeps the audit artifact (1 to 90).',
    default: 30,
    min: 1,
    max: 90,
  }),

  // Forwarding.
  from: textOption({
    help: "The earlier run's output directory, whose undelivered/ is sent again.",
    input: false,
    commands: ['forward'],
    cli: { placeholder: 'dir', mandatory: true },
  }),
  'sqs-queue-url': urlOption({
    help:
      'Send one JSON message per finding and per image to this SQS queue (AWS credentials from the ' +
      'standard chain, e.g. aws-actions/configure-aws-credentials).',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'url' },
  }),
  'aws-region': textOption({
    help: 'AWS region of the queue. Default AWS_REGION, else the region in the queue URL.',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'region' },
  }),
  'sqs-message-attributes': textOption({
    help: 'Extra SQS message attributes, as a JSON object or name=value lines (at most 7).',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'attributes' },
  }),
  'defectdojo-url': textOption({
    help: "Import each image's Trivy report into this DefectDojo (https).",
    commands: ALL_COMMANDS,
    cli: { placeholder: 'url' },
  }),
  'defectdojo-token': textOption({
    help: 'DefectDojo API v2 key of a user that may import scans (CLI: better as VULNGATE_DEFECTDOJO_TOKEN).',
    secret: true,
    commands: ALL_COMMANDS,
    cli: { placeholder: 'token' },
  }),
  'defectdojo-product-type': textOption({
    help: 'DefectDojo product type. Default the repository owner.',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'name' },
  }),
  'defectdojo-product': textOption({
    help: 'DefectDojo product. Default the repository.',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'name' },
  }),
  'defectdojo-engagement': textOption({
    help: 'DefectDojo engagement. Default the branch.',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'name' },
  }),
  'defectdojo-close-old-findings': booleanOption({
    help:
      'Close findings an image no longer has. Default true on the default branch only; `forward`: false (a ' +
      'replayed report closes nothing unless this is set).',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  'defectdojo-minimum-severity': textOption({
    help: 'Lowest severity imported: Info, Low, Medium, High or Critical.',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'level' },
  }),
  'defectdojo-tags': listOption({
    help: 'Tags for the DefectDojo test (comma- or newline-separated).',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'tags' },
  }),
  'defectdojo-version': textOption({
    help: 'Version of what was scanned, recorded in DefectDojo.',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'version' },
  }),
  'defectdojo-active': booleanOption({
    help: 'Import the findings as active (as DD_SCAN_ACTIVE did).',
    default: true,
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  'defectdojo-verified': booleanOption({
    help: 'Import the findings as verified (as DD_SCAN_VERIFIED did).',
    default: false,
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  'defectdojo-allow-http': booleanOption({
    help: 'Allow an http:// DefectDojo URL (tokens then travel unencrypted).',
    default: false,
    commands: ALL_COMMANDS,
    cli: { placeholder: 'bool' },
  }),
  // Issue trackers for the profile's notify.issues (Slack's webhook is a variable the profile names).
  'gitlab-token': textOption({
    help: 'GitLab token with the api scope for notify.issues on GitLab (the job token cannot write issues).',
    secret: true,
    commands: ALL_COMMANDS,
    envOnly: true,
  }),
  'jira-url': urlOption({
    help: 'Jira Cloud site for notify.issues on Jira, e.g. https://acme.atlassian.net.',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'url' },
  }),
  'jira-user': textOption({
    help: 'The Jira account (email) whose API token jira-token is.',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'email' },
  }),
  'jira-token': textOption({
    help: 'Jira API token of jira-user.',
    secret: true,
    commands: ALL_COMMANDS,
    envOnly: true,
  }),
  'jira-issue-type': textOption({
    help: 'Issue type of the Jira issues vulngate opens.',
    default: 'Bug',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'type' },
  }),
  'elasticsearch-url': textOption({
    help:
      'Index every finding and target summary into this Elasticsearch 8 or OpenSearch 2 (the _bulk API): https, ' +
      'or http to 127.0.0.1 or localhost.',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'url' },
  }),
  'elasticsearch-index': textOption({
    help: 'The index (or an alias to one) the documents go to; deploy/elasticsearch/index-template.json maps it.',
    default: 'vulngate-findings',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'name' },
  }),
  'elasticsearch-api-key': textOption({
    help: 'An Elasticsearch API key (the base64 id:key) for elasticsearch-url.',
    secret: true,
    commands: ALL_COMMANDS,
    envOnly: true,
  }),
  'elasticsearch-username': textOption({
    help: 'Basic auth user for elasticsearch-url (OpenSearch security), with elasticsearch-password.',
    commands: ALL_COMMANDS,
    cli: { placeholder: 'user' },
  }),
  'elasticsearch-password': textOption({
    help: 'Basic auth password for elasticsearch-username.',
    secret: true,
    commands: ALL_COMMANDS,
    envOnly: true,
  }),
  'forward-failure': choiceOption({
    help:
      'What a forwarding failure does: warn, or fail the run with exit code 4. Undelivered data is kept ' +
      'in <output-dir>/undelivered/ either way.',
    choices: ['warn', 'fail'] as const,
    default: 'warn',
    commands: JUDGE_COMMANDS,
    cli: { placeholder: 'warn|fail' },
  }),
} satisfies Record<string, OptionSpec<unknown>>;
