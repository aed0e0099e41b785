// Derived secrets are secrets: every form in which a server may echo one is redacted.
import { redact, secretForms } from '../../src/lib/redact.js';

test('a token: as given and URL-encoded', () => {
  expect(redact('token a/b+c=d or a%2Fb%2Bc%3Dd', ['a/b+c=d'])).toBe('token *** or ***');
});

test('a header value: its credential, so the echo still says which scheme it was', () => {
  const basic = `Basic ${Buffer.from('bot@acme.example:tok-123').toString('base64')}`;
  expect(redact(`Authorization: ${basic}`, [basic])).toBe('Authorization: Basic ***');
  expect(redact('bot@acme.example:tok-123 and tok-123', [basic])).toBe('*** and ***');
  expect(redact('Authorization: Bearer ghs_x1y2', ['Bearer ghs_x1y2'])).toBe('Authorization: Bearer ***');
  expect(redact('Authorization: Token dd-key', ['Token dd-key'])).toBe('Authorization: Token ***');
});

test('a secret URL: the URL, its path, its long segments; short names are left alone', () => {
  const url = 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX';
  expect(redact(`posting to ${url} failed`, [url])).toBe('posting to *** failed');
  expect(redact('404 for /services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX', [url])).toBe('404 for ***');
  expect(redact('no token XXXXXXXXXXXXXXXXXXXXXXXX in services', [url])).toBe('no token *** in services');
  expect(secretForms(url)).not.toContain('services');
});

test('short values and empty secrets are not redacted', () => {
  expect(redact('a b abc', ['a', 'abc', undefined, ''])).toBe('a b abc');
});
