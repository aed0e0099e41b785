import { httpClient, joinUrl, type HttpFailure } from '../../../lib/http.js';
import { HttpError } from '../../../lib/retry.js';
import { oneLine } from '../../../core/text.js';
import type { IssueSpec, IssueTracker, TrackedIssue, TrackerBase } from './sync.js';

export interface JiraSettings extends TrackerBase {
  /** https://your-site.atlassian.net */
  url: string;
  /** The account's email; with the API token, Basic auth (Jira Cloud). */
  user: string;
  token: string;
  project: string;
  issueType: string;
}

const LABEL = 'vulngate';

type Adf = Record<string, unknown>;
/** Atlassian Document Format: text is data, never markup, so nothing from the scan is interpreted. */
const textNode = (text: string, marks?: Adf[]): Adf => ({
  type: 'text',
  text: text || ' ',
  ...(marks ? { marks } : {}),
});
const paragraph = (...content: Adf[]): Adf => ({ type: 'paragraph', content });

export function issueAdf(spec: IssueSpec): Adf {
  const items = spec.packages.map((p) => ({
    type: 'listItem',
    content: [
      paragraph(
        textNode(oneLine(p.name), [{ type: 'code' }]),
        textNode(oneLine(` ${p.installed} → ${p.fixed || 'no fix yet'} (${p.where})`)),
      ),
    ],
  }));
  const title = spec.primaryUrl.startsWith('https://')
    ? textNode(spec.id, [{ type: 'strong' }, { type: 'link', attrs: { href: spec.primaryUrl } }])
    : textNode(spec.id, [{ type: 'strong' }]);
  return {
    type: 'doc',
    version: 1,
    content: [
      paragraph(title, textNode(oneLine(` (${spec.severity}) blocks the security gate in ${spec.target}.`))),
      { type: 'bulletList', content: items },
      paragraph(textNode(oneLine(spec.reason))),
      paragraph(
        textNode('Opened and kept up to date by vulngate; it closes this issue when the finding no longer blocks.', [
          { type: 'em' },
        ]),
      ),
    ],
  };
}

function describe({ status, body, redirectTo }: HttpFailure): string | undefined {
  if (redirectTo !== undefined) return undefined;
  let detail = body.slice(0, 200);
  try {
    const parsed = JSON.parse(body) as { errorMessages?: string[]; errors?: Record<string, string> };
    detail = [
      ...(parsed.errorMessages ?? []),
      ...Object.entries(parsed.errors ?? {}).map(([k, v]) => `${k}: ${v}`),
    ].join('; ');
  } catch {
    // not JSON: keep the text
  }
  if (status === 401) return 'Jira refused the credentials (401); check jira-user and jira-token';
  if (status === 403)
    return `Jira refused (403): the account needs Browse, Create, Edit and Transition issues (${detail})`;
  return `Jira answered ${status}: ${detail}`;
}

/** Jira Cloud REST v3; labels find issues again: vulngate, vulngate-<key>, vulngate-t-<target>, vulngate-h-<hash>. */
export function jiraIssues(s: JiraSettings): IssueTracker {
  const base = joinUrl(s.url, '/rest/api/3');
  const http = httpClient({
    service: 'Jira',
    credential: {
      origin: s.url,
      headers: { Authorization: `Basic ${Buffer.from(`${s.user}:${s.token}`).toString('base64')}` },
    },
    secrets: [s.token],
    retry: s.retry,
    timeoutMs: s.timeoutMs,
  });
  const call = async (method: string, path: string, json?: unknown) =>
    (
      await http.send({ method, url: `${base}${path}`, headers: { Accept: 'application/json' }, json, describe })
    ).json() as Record<string, unknown>;
  const labelsOf = (spec: IssueSpec) => [
    LABEL,
    `vulngate-${spec.key}`,
    `vulngate-t-${spec.targetKey}`,
    `vulngate-h-${spec.contentHash}`,
    ...s.labels,
  ];
  const tracked = (raw: Record<string, unknown>): TrackedIssue | undefined => {
    const fields = (raw.fields ?? {}) as { labels?: string[]; status?: { statusCategory?: { key?: string } } };
    const find = (prefix: RegExp) => fields.labels?.map((l) => prefix.exec(l)?.[1]).find(Boolean);
    const key = find(/^vulngate-([0-9a-f]{16})$/);
    if (!key) return undefined;
    return {
      ref: String(raw.key),
      key,
      targetKey: find(/^vulngate-t-([0-9a-f]{12})$/) ?? '',
      contentHash: find(/^vulngate-h-([0-9a-f]{12})$/) ?? '',
      open: fields.status?.statusCategory?.key !== 'done',
      url: joinUrl(s.url, `/browse/${String(raw.key)}`),
    };
  };
  /** The first transition into the wanted status category (done, or back to to-do). */
  const transition = async (issue: TrackedIssue, categories: string[]) => {
    const { transitions } = (await call('GET', `/issue/${issue.ref}/transitions`)) as {
      transitions?: { id: string; to?: { statusCategory?: { key?: string } } }[];
    };
    const chosen = transitions?.find((t) => categories.includes(t.to?.statusCategory?.key ?? ''));
    if (!chosen) throw new HttpError(`Jira offers no transition of ${issue.ref} to ${categories.join(' or ')}`, 409);
    await call('POST', `/issue/${issue.ref}/transitions`, { transition: { id: chosen.id } });
  };
  const comment = (issue: TrackedIssue, text: string) =>
    call('POST', `/issue/${issue.ref}/comment`, {
      body: { type: 'doc', version: 1, content: [paragraph(textNode(text))] },
    });
  return {
    async list() {
      const found: TrackedIssue[] = [];
      let nextPageToken: string | undefined;
      for (let n = 0; n < 50; n += 1) {
        const page = (await call('POST', '/search/jql', {
          jql: `project = "${s.project.replace(/"/g, '')}" AND labels = ${LABEL}`,
          fields: ['labels', 'status'],
          maxResults: 100,
          ...(nextPageToken ? { nextPageToken } : {}),
        })) as { issues?: Record<string, unknown>[]; nextPageToken?: string; isLast?: boolean };
        for (const raw of page.issues ?? []) {
          const issue = tracked(raw);
          if (issue) found.push(issue);
        }
        if (page.isLast !== false || !page.nextPageToken) break;
        nextPageToken = page.nextPageToken;
      }
      return found;
    },
    async create(spec: IssueSpec) {
      const created = await call('POST', '/issue', {
        fields: {
          project: { key: s.project },
          issuetype: { name: s.issueType },
          summary: oneLine(spec.title).slice(0, 250),
          description: issueAdf(spec),
          labels: labelsOf(spec),
          ...(s.assignees[0] ? { assignee: { accountId: s.assignees[0] } } : {}),
        },
      });
      return {
        ref: String(created.key),
        key: spec.key,
        targetKey: spec.targetKey,
        contentHash: spec.contentHash,
        open: true,
      };
    },
    async update(issue, spec) {
      await call('PUT', `/issue/${issue.ref}`, {
        fields: { summary: oneLine(spec.title).slice(0, 250), description: issueAdf(spec), labels: labelsOf(spec) },
      });
    },
    async close(issue, text) {
      await comment(issue, text);
      await transition(issue, ['done']);
    },
    async reopen(issue, text) {
      await transition(issue, ['new', 'indeterminate']);
      await comment(issue, text);
    },
  };
}
