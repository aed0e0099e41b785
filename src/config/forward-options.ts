import type { CiContext } from './ci-context.js';
import { ConfigError } from '../core/errors.js';
import { booleanValue, choiceValue, listValue, urlValue } from './values.js';

export interface SqsOptions {
  queueUrl: string;
  region?: string;
  userAttributes: Record<string, string>;
}

export interface DefectDojoOptions {
  url: string;
  token: string;
  productType: string;
  product: string;
  engagement: string;
  closeOldFindings: boolean;
  minimumSeverity?: string;
  tags: string[];
  version?: string;
  commit?: string;
  branch?: string;
  buildId?: string;
}

export interface ForwardOptions {
  sqs?: SqsOptions;
  defectDojo?: DefectDojoOptions;
  failure: 'warn' | 'fail';
}

/** The input names; the CLI's flags are the same names with `--`. */
export const FORWARD_INPUTS = [
  'sqs-queue-url',
  'aws-region',
  'sqs-message-attributes',
  'defectdojo-url',
  'defectdojo-token',
  'defectdojo-product-type',
  'defectdojo-product',
  'defectdojo-engagement',
  'defectdojo-close-old-findings',
  'defectdojo-minimum-severity',
  'defectdojo-tags',
  'defectdojo-version',
  'defectdojo-allow-http',
  'forward-failure',
] as const;
export type ForwardInput = (typeof FORWARD_INPUTS)[number];

const RESERVED_ATTRIBUTES = ['type', 'severity', 'decision'];
const DD_SEVERITIES = ['Info', 'Low', 'Medium', 'High', 'Critical'] as const;

/** `{"team":"payments"}` or `team=payments` lines; at most 7 (SQS allows 10 per message, vulngate sets 3). */
export function parseMessageAttributes(text: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let pairs: [string, unknown][];
  if (trimmed.startsWith('{')) {
    try {
      pairs = Object.entries(JSON.parse(trimmed) as Record<string, unknown>);
    } catch {
      throw new ConfigError('sqs-message-attributes: not valid JSON; give a JSON object or name=value lines');
    }
  } else {
    pairs = listValue(trimmed).map((line) => {
      const eq = line.indexOf('=');
      if (eq < 1) throw new ConfigError(`sqs-message-attributes: '${line}' is not name=value`);
      return [line.slice(0, eq).trim(), line.slice(eq + 1).trim()];
    });
  }
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) {
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name) || /^(aws\.|amazon\.)/i.test(name) || name.startsWith('.') || name.endsWith('.')) {
      throw new ConfigError(`sqs-message-attributes: '${name}' is not an SQS attribute name (letters, digits, _ - ., not starting with AWS. or Amazon.)`);
    }
    if (RESERVED_ATTRIBUTES.includes(name)) throw new ConfigError(`sqs-message-attributes: '${name}' is set by vulngate; choose another name`);
    if (typeof value !== 'string' || value === '') throw new ConfigError(`sqs-message-attributes: '${name}' needs a non-empty string value`);
    out[name] = value;
  }
  if (Object.keys(out).length > 7) throw new ConfigError('sqs-message-attributes: at most 7 (SQS allows 10 per message and vulngate sets type, severity and decision)');
  return out;
}

/** Reads and checks the forwarding inputs; `get` returns '' for unset ones. */
export function readForwardOptions(get: (name: ForwardInput) => string, ci: CiContext): ForwardOptions {
  const failure = choiceValue('forward-failure', get('forward-failure'), ['warn', 'fail'] as const) ?? 'warn';
  const queueUrl = urlValue('sqs-queue-url', get('sqs-queue-url'));
  const sqs: SqsOptions | undefined = queueUrl
    ? { queueUrl, region: get('aws-region') || undefined, userAttributes: parseMessageAttributes(get('sqs-message-attributes')) }
    : undefined;

  const allowHttp = booleanValue('defectdojo-allow-http', get('defectdojo-allow-http')) ?? false;
  const ddUrl = urlValue('defectdojo-url', get('defectdojo-url'), allowHttp ? ['https:', 'http:'] : ['https:']);
  let defectDojo: DefectDojoOptions | undefined;
  if (ddUrl) {
    const token = get('defectdojo-token');
    if (token === '') throw new ConfigError('defectdojo-token: required with defectdojo-url (an API v2 key of a user that may import scans)');
    const need = (name: ForwardInput, fallback: string) => {
      const value = get(name) || fallback;
      if (value === '') throw new ConfigError(`${name}: required outside CI (there is no repository or branch to default to)`);
      return value;
    };
    const onDefaultBranch = ci.defaultBranch !== '' && ci.ref === ci.defaultBranch;
    const minimum = get('defectdojo-minimum-severity');
    const severity = minimum === '' ? undefined : DD_SEVERITIES.find((s) => s.toLowerCase() === minimum.trim().toLowerCase());
    if (minimum !== '' && !severity) throw new ConfigError(`defectdojo-minimum-severity: '${minimum}' is not allowed; allowed: ${DD_SEVERITIES.join(', ')}`);
    defectDojo = {
      url: ddUrl,
      token,
      productType: need('defectdojo-product-type', ci.owner),
      product: need('defectdojo-product', ci.repository),
      engagement: need('defectdojo-engagement', ci.ref),
      // Closing findings that a feature branch does not have would close them for everyone: default branch only.
      closeOldFindings: booleanValue('defectdojo-close-old-findings', get('defectdojo-close-old-findings')) ?? onDefaultBranch,
      minimumSeverity: severity,
      tags: listValue(get('defectdojo-tags')),
      version: get('defectdojo-version') || undefined,
      commit: ci.commit || undefined,
      branch: ci.ref || undefined,
      buildId: ci.pipelineUrl || undefined,
    };
  } else if (get('defectdojo-token') !== '') {
    throw new ConfigError('defectdojo-url: required with defectdojo-token');
  }
  return { sqs, defectDojo, failure };
}
