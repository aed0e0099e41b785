import { ConfigError } from '../../src/core/errors.js';
import { normalizeVulnerabilityId } from '../../src/core/profile.js';
import { looksLikeProfile, parseProfileDocument, profileProblems } from '../../src/profile/parse.js';
import { recordingLogger } from '../../test/support/logger.ts';

const parse = (text: string) => parseProfileDocument({ text, file: 'profiles/app.yml', logger: recordingLogger() });

describe('profile format', () => {
  test('the documented example', () => {
    const doc = parse(`
# Fail on HIGH and CRITICAL
severity: HIGH
ignore_unfixed: true
exceptions:
  - id: CVE-2018-1000620
    package: cryptiles
    severity: CRITICAL
    images: ["kibana*"]
    note: "Reported to upstream, excepted until end of year"
    until: 2020-12-31
`);
    expect(doc).toEqual({
      file: 'profiles/app.yml',
      extends: undefined,
      severity: 'HIGH',
      ignoreUnfixed: true,
      exceptions: [
        {
          id: 'CVE-2018-1000620',
          package: 'cryptiles',
          severity: 'CRITICAL',
          images: ['kibana*'],
          note: 'Reported to upstream, excepted until end of year',
          until: '2020-12-31',
          origin: 'profiles/app.yml exceptions[0]',
        },
      ],
    });
  });

  test("the original tool's style: whitelist, name, True, typographic dashes", () => {
    const logger = recordingLogger();
    const doc = parseProfileDocument({
      file: 'kibana.yml',
      logger,
      text: `severity: HIGH
ignore_unfixed: True
whitelist:
  - name: CVE-2018\u20131000620
    severity: CRITICAL
    package: cryptiles
    note: "Reported to upstream, whitelist until end of year"
    until: 2020\u201312\u201331
`,
    });
    expect(doc.ignoreUnfixed).toBe(true);
    expect(doc.exceptions[0]).toMatchObject({
      id: 'CVE-2018-1000620',
      until: '2020-12-31',
      origin: 'kibana.yml whitelist[0]',
    });
    expect(logger.at('warning')).toEqual([
      "kibana.yml whitelist[0].name: 'CVE-2018\u20131000620' has typographic dashes; read as 'CVE-2018-1000620'",
      "kibana.yml whitelist[0].until: '2020\u201312\u201331' has typographic dashes; read as '2020-12-31'",
    ]);
  });

  test('exceptions and whitelist together are one list', () => {
    const doc = parse('exceptions: [{id: CVE-1, note: a}]\nwhitelist: [{name: CVE-2, note: b}]\n');
    expect(doc.exceptions.map((e) => e.id)).toEqual(['CVE-1', 'CVE-2']);
  });

  test('severity is case-insensitive; an empty file sets nothing', () => {
    expect(parse('severity: medium').severity).toBe('MEDIUM');
    expect(parse('')).toEqual({
      file: 'profiles/app.yml',
      extends: undefined,
      severity: undefined,
      ignoreUnfixed: undefined,
      exceptions: [],
    });
  });

  test('ids are compared in one normal form', () => {
    expect(normalizeVulnerabilityId(' cve-2018\u20141000620 ')).toBe('CVE-2018-1000620');
  });
});

describe('bad profiles: one line naming the file, the key path and what is allowed', () => {
  test.each([
    [
      'unknown top-level key',
      'severity: HIGH\nignore_unfixd: true\n',
      "profiles/app.yml: unknown key 'ignore_unfixd'; allowed: extends, severity, ignore_unfixed, max_exception_days, notify, kev, epss, eol_os, exceptions, whitelist",
    ],
    [
      'a vex_status that OpenVEX does not have',
      'exceptions:\n  - id: CVE-1\n    note: x\n    vex_status: ignored\n',
      'profiles/app.yml: exceptions[0].vex_status: "ignored" is not allowed; allowed: not_affected, affected, fixed, under_investigation',
    ],
    [
      'a Slack mention that is not one',
      'notify:\n  slack:\n    webhook_env: HOOK\n    mention: "@channel"\n',
      'profiles/app.yml: notify.slack.mention: must be <!subteam^ID>, <@U…>, <!here> or <!channel>',
    ],
    [
      'an issue tracker vulngate does not know',
      'notify:\n  issues:\n    provider: bugzilla\n',
      'profiles/app.yml: notify.issues.provider: "bugzilla" is not allowed; allowed: github, gitlab, jira',
    ],
    [
      'unknown exception key',
      'exceptions:\n  - id: CVE-1\n    note: x\n    pakage: y\n',
      "profiles/app.yml: exceptions[0]: unknown key 'pakage'; allowed: id, name, package, severity, images, paths, note, owner, ticket, vex_status, vex_justification, until",
    ],
    [
      'severity outside the list',
      'severity: SEVERE\n',
      'profiles/app.yml: severity: "SEVERE" is not a severity; allowed: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL',
    ],
    [
      'exception severity outside the list',
      'exceptions: [{id: CVE-1, note: x, severity: bad}]',
      'profiles/app.yml: exceptions[0].severity: "bad" is not a severity; allowed: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL',
    ],
    [
      'a date that is not YYYY-MM-DD',
      'exceptions: [{id: CVE-1, note: x, until: 2020/12/31}]',
      "profiles/app.yml: exceptions[0].until: '2020/12/31' is not a date; use YYYY-MM-DD",
    ],
    [
      'a date that does not exist',
      'exceptions: [{id: CVE-1, note: x, until: 2021-02-30}]',
      "profiles/app.yml exceptions[0].until: '2021-02-30' is not a calendar date; use YYYY-MM-DD",
    ],
    [
      'a date as a number',
      'exceptions: [{id: CVE-1, note: x, until: 20201231}]',
      'profiles/app.yml: exceptions[0].until: 20201231 is not a date; use YYYY-MM-DD (quoted or not)',
    ],
    [
      'an exception without id',
      'exceptions: [{package: openssl, note: x}]',
      "profiles/app.yml: exceptions[0]: an exception needs 'id' (or its older name 'name')",
    ],
    [
      'an exception without note',
      'exceptions: [{id: CVE-1}]',
      "profiles/app.yml: exceptions[0]: an exception needs 'note' (why the finding is accepted)",
    ],
    ['an empty note', 'exceptions: [{id: CVE-1, note: ""}]', 'profiles/app.yml: exceptions[0].note: must not be empty'],
    [
      'ignore_unfixed not a boolean',
      'ignore_unfixed: sometimes',
      'profiles/app.yml: ignore_unfixed: "sometimes" is not a boolean; allowed: true, false, yes, no',
    ],
    [
      'exceptions not a list',
      'exceptions: {id: CVE-1}',
      'profiles/app.yml: exceptions: must be a list, got {"id":"CVE-1"}',
    ],
    [
      'images not a list',
      'exceptions: [{id: CVE-1, note: x, images: "app*"}]',
      'profiles/app.yml: exceptions[0].images: must be a list, got "app*"',
    ],
    [
      'id and name disagree',
      'exceptions: [{id: CVE-1, name: CVE-2, note: x}]',
      "profiles/app.yml exceptions[0]: has both 'id' and its older name 'name' with different values; keep one",
    ],
    [
      'not a mapping',
      '- severity: HIGH',
      'profiles/app.yml: a profile must be a mapping of keys (extends, severity, ignore_unfixed, max_exception_days, notify, kev, epss, eol_os, exceptions, whitelist)',
    ],
    [
      'YAML syntax error with its line',
      'severity: HIGH\nexceptions:\n  - id: CVE-1\n   note: x\n',
      /^profiles\/app\.yml: YAML syntax error at line 4, column 4: bad indentation/,
    ],
    [
      'YAML tags are not code',
      'severity: !!js/function "function(){}"',
      /^profiles\/app\.yml: YAML syntax error at line 1, column \d+: unknown tag/,
    ],
  ])('%s', (_, text, message) => {
    let thrown: unknown;
    try {
      parse(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const text1 = (thrown as Error).message;
    expect(text1.split('\n')).toHaveLength(1);
    if (typeof message === 'string') expect(text1).toBe(message);
    else expect(text1).toMatch(message);
  });
});

describe('values as people write them (issue: the CLI took `--severity high`, the profile refused `Critical`)', () => {
  test.each([
    ['severity: Critical', 'CRITICAL'],
    ['severity: critical', 'CRITICAL'],
    ['severity: hIgH', 'HIGH'],
  ])('%s', (text, severity) => {
    expect(parse(text).severity).toBe(severity);
  });

  test.each([
    ['ignore_unfixed: yes', true],
    ['ignore_unfixed: No', false],
    ['ignore_unfixed: on', true],
    ['ignore_unfixed: OFF', false],
    ['ignore_unfixed: True', true],
  ])('%s', (text, value) => {
    expect(parse(text).ignoreUnfixed).toBe(value);
  });

  test('an exception capped at `medium` is capped at MEDIUM', () => {
    expect(parse('exceptions: [{id: CVE-1, note: x, severity: medium}]').exceptions[0]?.severity).toBe('MEDIUM');
  });
});

describe('VEX status of an exception', () => {
  test('not_affected needs an OpenVEX justification: a profile error naming the exception', () => {
    expect(() => parse('exceptions: [{id: CVE-1, note: x, vex_status: not_affected}]')).toThrow(
      new ConfigError(
        "profiles/app.yml: exceptions[0]: vex_status not_affected needs 'vex_justification' (component_not_present, " +
          'vulnerable_code_not_present, vulnerable_code_not_in_execute_path, ' +
          'vulnerable_code_cannot_be_controlled_by_adversary, inline_mitigations_already_exist)',
      ),
    );
  });

  test('with one, both are kept', () => {
    const [rule] = parse(
      'exceptions: [{id: CVE-1, note: x, vex_status: not_affected, vex_justification: component_not_present}]',
    ).exceptions;
    expect(rule).toMatchObject({ vexStatus: 'not_affected', vexJustification: 'component_not_present' });
  });
});

describe('profileProblems (profiles lint): every problem of a file, not only the first', () => {
  test('three bad keys in three places: three lines', () => {
    const text =
      'severity: SEVERE\nignore_unfixed: sometimes\nexceptions:\n  - id: CVE-1\n    note: x\n    until: 2024-02-30\n';
    expect(profileProblems({ text, file: 'p.yml' })).toEqual([
      'p.yml: severity: "SEVERE" is not a severity; allowed: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL',
      'p.yml: ignore_unfixed: "sometimes" is not a boolean; allowed: true, false, yes, no',
    ]);
    expect(
      profileProblems({ text: 'exceptions:\n  - {id: CVE-1, note: x, until: 2024-02-30}\n', file: 'p.yml' }),
    ).toEqual(["p.yml exceptions[0].until: '2024-02-30' is not a calendar date; use YYYY-MM-DD"]);
  });

  test('a valid profile has none', () => {
    expect(profileProblems({ text: 'severity: high\nexceptions: [{id: CVE-1, note: x}]\n', file: 'p.yml' })).toEqual(
      [],
    );
  });

  test.each([
    ['docker-compose.yml', 'services:\n  web:\n    image: nginx\nversion: "3"\n', false],
    ['a profile', 'severity: HIGH\n', true],
    ['a typo of a profile key', 'severty: HIGH\n', true],
    ['an empty file', '', true],
  ])('looksLikeProfile: %s', (_name, text, expected) => {
    expect(looksLikeProfile(text)).toBe(expected);
  });
});
