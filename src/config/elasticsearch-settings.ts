import { ConfigError } from '../core/errors.js';
import type { OptionSet } from './options.js';
import { urlValue } from './values.js';

/** Where the _bulk requests go and with what: this job's settings only (at replay, the replaying job's). */
export interface ElasticsearchDestination {
  url?: string;
  index: string;
  /** `ApiKey` authorization (Elasticsearch); or Basic with username and password (OpenSearch security). */
  apiKey?: string;
  username?: string;
  password?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Elasticsearch's index names: lowercase, none of \ / * ? " < > | space , # :, not starting with - _ +. */
function indexName(label: string, name: string): string {
  if (
    name === '' ||
    name === '.' ||
    name === '..' ||
    Buffer.byteLength(name) > 255 ||
    name !== name.toLowerCase() ||
    /[\\/*?"<>| ,#:]/.test(name) ||
    /^[-_+]/.test(name)
  ) {
    throw new ConfigError(
      `${label}: '${name}' is not an index name (lowercase, no \\ / * ? " < > | space , # :, not starting with - _ +)`,
    );
  }
  return name;
}

/** The destination, checked: https (http only to loopback), a valid index, and one way to authenticate. */
export function elasticsearchDestination({ values, label }: OptionSet): ElasticsearchDestination | undefined {
  const url = urlValue(label('elasticsearch-url'), values['elasticsearch-url'] ?? '');
  const { 'elasticsearch-api-key': apiKey, 'elasticsearch-username': username } = values;
  const password = values['elasticsearch-password'];
  if (!url) {
    const stray = apiKey ? 'elasticsearch-api-key' : username ? 'elasticsearch-username' : undefined;
    if (stray) throw new ConfigError(`${label('elasticsearch-url')}: required with ${label(stray)}`);
    return undefined;
  }
  const parsed = new URL(url);
  if (parsed.protocol === 'http:' && !LOOPBACK.has(parsed.hostname)) {
    throw new ConfigError(
      `${label('elasticsearch-url')}: plain http is allowed for 127.0.0.1 and localhost only; use https`,
    );
  }
  if (apiKey && (username || password)) {
    throw new ConfigError(`${label('elasticsearch-api-key')}: give an API key or a username and password, not both`);
  }
  if (Boolean(username) !== Boolean(password)) {
    const missing = username ? 'elasticsearch-password' : 'elasticsearch-username';
    throw new ConfigError(
      `${label(missing)}: required with ${label(username ? 'elasticsearch-username' : 'elasticsearch-password')}`,
    );
  }
  return {
    url,
    index: indexName(label('elasticsearch-index'), values['elasticsearch-index']),
    ...(apiKey ? { apiKey } : {}),
    ...(username && password ? { username, password } : {}),
  };
}
