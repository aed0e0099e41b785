import { SEVERITIES } from '../core/severity.js';

/** Severities as people write them: CRITICAL, critical, Critical (any other mix is read too, case-insensitively). */
const severityEnum = [
  ...SEVERITIES,
  ...SEVERITIES.map((s) => s.toLowerCase()),
  ...SEVERITIES.map((s) => `${s[0]}${s.slice(1).toLowerCase()}`),
];

/** YAML 1.1 switches, as the original tool's profiles wrote them; read as booleans. */
export const BOOLEAN_WORDS: Record<string, boolean> = { yes: true, no: false, on: true, off: false };
const booleanLike = {
  anyOf: [
    { type: 'boolean' },
    { enum: Object.keys(BOOLEAN_WORDS).flatMap((w) => [w, w.toUpperCase(), `${w[0]?.toUpperCase()}${w.slice(1)}`]) },
  ],
};

/** OpenVEX's justifications for not_affected. */
export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const;

const exception = {
  type: 'object',
  description: 'A finding that does not fail the gate, with a reason and an optional last day.',
  additionalProperties: false,
  properties: {
    id: {
      type: 'string',
      minLength: 1,
      pattern: '\\S',
      description: 'Vulnerability id (CVE-…, GHSA-…) or secret rule id; case-insensitive.',
    },
    name: { type: 'string', minLength: 1, pattern: '\\S', description: "Older name of 'id'." },
    package: { type: 'string', minLength: 1, description: 'Only findings in this package.' },
    severity: { enum: severityEnum, description: 'Covers the finding only while its severity is at most this.' },
    images: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Globs on the image name (* also matches /).',
    },
    paths: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description:
        "Globs on the finding's target: for code dependencies the lockfile's path from the repository root " +
        '(services/api/package-lock.json), for images the path in the image (* also matches /).',
    },
    note: { type: 'string', minLength: 1, pattern: '\\S', description: 'Why the finding is accepted. Required.' },
    owner: {
      type: 'string',
      minLength: 1,
      pattern: '\\S',
      description: 'Who accepted the risk (a person or team).',
    },
    ticket: {
      type: 'string',
      minLength: 1,
      pattern: '\\S',
      description: 'Where the acceptance is tracked: a URL or an issue key (SEC-123).',
    },
    vex_status: {
      enum: ['not_affected', 'affected', 'fixed', 'under_investigation'],
      description:
        'The status of this exception in vulngate.openvex.json: default affected (a risk accepted, the note as ' +
        'action statement); not_affected needs vex_justification.',
    },
    vex_justification: {
      enum: VEX_JUSTIFICATIONS,
      description: 'Why the product is not affected (OpenVEX); required with vex_status: not_affected.',
    },
    until: {
      type: 'string',
      pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
      description: 'The last day (UTC) the exception applies, YYYY-MM-DD.',
    },
  },
  required: ['note'],
  anyOf: [{ required: ['id'] }, { required: ['name'] }],
  if: { properties: { vex_status: { const: 'not_affected' } }, required: ['vex_status'] },
  then: { required: ['vex_justification'] },
} as const;

const notify = {
  type: 'object',
  description: 'Who to tell: Slack and an issue tracker, per project.',
  additionalProperties: false,
  properties: {
    slack: {
      type: 'object',
      additionalProperties: false,
      required: ['webhook_env'],
      properties: {
        webhook_env: {
          type: 'string',
          pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
          description: 'Name of the environment variable holding the incoming-webhook URL.',
        },
        on: {
          type: 'array',
          items: { enum: ['fail', 'new', 'expired-exception'] },
          description:
            'When to post: the check fails, blocking findings are new, an exception expired. Default [fail].',
        },
        mention: {
          type: 'string',
          pattern: '^<(!subteam\\^[A-Z0-9]+|@[UW][A-Z0-9]+|!here|!channel)>$',
          description: 'Who to mention: <!subteam^ID>, <@U…>, <!here>.',
        },
      },
    },
    issues: {
      type: 'object',
      additionalProperties: false,
      required: ['provider'],
      properties: {
        provider: { enum: ['github', 'gitlab', 'jira'] },
        on: { type: 'array', items: { enum: ['blocking'] }, description: 'Default [blocking].' },
        labels: { type: 'array', items: { type: 'string', minLength: 1, pattern: '^\\S+$' } },
        assignees: { type: 'array', items: { type: 'string', minLength: 1 } },
        project: { type: 'string', minLength: 1, description: 'Jira project key; GitLab project id or path.' },
        any_branch: {
          type: 'boolean',
          description: 'Also off the default branch (default false: pull requests open no issues).',
        },
      },
    },
  },
} as const;

/** The profile format; `schema/profile.schema.json` is this object, written for editors. */
export const profileSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://raw.githubusercontent.com/vulngate/vulngate/main/schema/profile.schema.json',
  title: 'vulngate security profile',
  type: 'object',
  additionalProperties: false,
  properties: {
    extends: { type: 'string', minLength: 1, description: 'Name of a profile in the same directory to build on.' },
    severity: { enum: severityEnum, description: 'Lowest severity that fails the gate. Default HIGH.' },
    ignore_unfixed: { ...booleanLike, description: 'Do not fail on findings without a fixed version. Default true.' },
    max_exception_days: {
      type: 'integer',
      minimum: 1,
      description:
        'Every exception needs an `until` at most this many days ahead (typically set in a base profile that ' +
        'projects extend).',
    },
    notify,
    kev: {
      enum: ['block', 'warn', 'ignore'],
      description:
        "CISA's Known Exploited Vulnerabilities: block (a listed finding fails the check whatever its severity, " +
        'fixed or not), warn, or ignore (default).',
    },
    epss: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      description: 'A finding whose EPSS probability is at least this fails the check, whatever its severity.',
    },
    eol_os: {
      enum: ['block', 'warn', 'ignore'],
      description: 'An image whose OS release is end of life (no more advisories): block, warn (default) or ignore.',
    },
    exceptions: { type: 'array', items: { $ref: '#/definitions/exception' } },
    whitelist: {
      type: 'array',
      items: { $ref: '#/definitions/exception' },
      description: "Older name of 'exceptions'.",
    },
  },
  definitions: { exception },
} as const;

export const PROFILE_KEYS = Object.keys(profileSchema.properties);
export const EXCEPTION_KEYS = Object.keys(exception.properties);
