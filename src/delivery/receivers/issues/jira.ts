import { httpClient, joinUrl, type HttpClient, type HttpFailure } from '../../../lib/http.js';
import { HttpError } from '../../../lib/retry.js';
import { oneLine } from '../../../core/text.js';
import type { IssueListing, IssueSpec, IssueTracker, TrackedIssue, TrackerBase } from './sync.js';

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

/** The labels an issue is found again by: vulngate, its key, its target, what it says; and the profile's. */
function labelsOf(spec: IssueSpec, extra: string[]): string[] {
  return [LABEL, `vulngate-${spec.key}`, `vulngate-t-${spec.targetKey}`, `vulngate-h-${spec.contentHash}`, ...extra];
}

type JiraStatus = { statusCategory?: { key?: string } };

function tracked(raw: Record<string, unknown>, site: string): TrackedIssue | undefined {
  const fields = (raw.fields ?? {}) as { labels?: string[]; status?: JiraStatus };
  const find = (prefix: RegExp) => fields.labels?.map((l) => prefix.exec(l)?.[1]).find(Boolean);
  const key = find(/^vulngate-([0-9a-f]{16})$/);
  if (!key) return undefined;
  return {
    ref: String(raw.key),
    key,
    targetKey: find(/^vulngate-t-([0-9a-f]{12})$/) ?? '',
    contentHash: find(/^vulngate-h-([0-9a-f]{12})$/) ?? '',
    open: fields.status?.statusCategory?.key !== 'done',
    url: joinUrl(site, `/browse/${String(raw.key)}`),
  };
}

/** Jira Cloud REST v3; labels find issues again: vulngate, vulngate-<key>, vulngate-t-<target>, vulngate-h-<hash>. */
class JiraIssues implements IssueTracker {
  private readonly base: string;
  private readonly http: HttpClient;

  constructor(private readonly s: JiraSettings) {
    this.base = joinUrl(s.url, '/rest/api/3');
    this.http = httpClient({
      service: 'Jira',
      credential: {
        origin: s.url,
        headers: { Authorization: `Basic ${Buffer.from(`${s.user}:${s.token}`).toString('base64')}` },
      },
      secrets: [s.token],
      retry: s.retry,
      timeoutMs: s.timeoutMs,
    });
  }

  private async call(method: string, path: string, json?: unknown): Promise<Record<string, unknown>> {
    const url = `${this.base}${path}`;
    const answer = await this.http.send({ method, url, headers: { Accept: 'application/json' }, json, describe });
    return answer.json() as Record<string, unknown>;
  }

  /** The first transition into the wanted status category (done, or back to to-do). */
  private async transition(issue: TrackedIssue, categories: string[]): Promise<void> {
    const { transitions } = (await this.call('GET', `/issue/${issue.ref}/transitions`)) as {
      transitions?: { id: string; to?: JiraStatus }[];
    };
    const chosen = transitions?.find((t) => categories.includes(t.to?.statusCategory?.key ?? ''));
    if (!chosen) throw new HttpError(`Jira offers no transition of ${issue.ref} to ${categories.join(' or ')}`, 409);
    await this.call('POST', `/issue/${issue.ref}/transitions`, { transition: { id: chosen.id } });
  }

  private async comment(issue: TrackedIssue, text: string): Promise<void> {
    const body = { type: 'doc', version: 1, content: [paragraph(textNode(text))] };
    await this.call('POST', `/issue/${issue.ref}/comment`, { body });
  }

  /** The account the credentials are: its issues are vulngate's (labels are anyone's to add). */
  private async whoAmI(): Promise<string> {
    const { accountId } = (await this.call('GET', '/myself')) as { accountId?: unknown };
    if (typeof accountId !== 'string' || accountId === '')
      throw new HttpError('Jira did not say who the account is (GET /myself)', 200);
    return accountId;
  }

  /** Pages by nextPageToken, at most 50; only issues the account created (`creator`, which nobody can change). */
  async list(): Promise<IssueListing> {
    const me = await this.whoAmI();
    const listing: IssueListing = { issues: [], foreign: [], identity: `${this.s.user} (${me})` };
    let nextPageToken: string | undefined;
    for (let n = 0; n < 50; n += 1) {
      const page = (await this.call('POST', '/search/jql', {
        jql: `project = "${this.s.project.replace(/"/g, '')}" AND labels = ${LABEL}`,
        fields: ['labels', 'status', 'creator'],
        maxResults: 100,
        ...(nextPageToken ? { nextPageToken } : {}),
      })) as { issues?: Record<string, unknown>[]; nextPageToken?: string; isLast?: boolean };
      for (const raw of page.issues ?? []) {
        const issue = tracked(raw, this.s.url);
        if (!issue) continue;
        const creator = (raw.fields as { creator?: { accountId?: unknown } } | undefined)?.creator?.accountId;
        if (creator === me) listing.issues.push(issue);
        else listing.foreign.push(issue.ref);
      }
      if (page.isLast !== false || !page.nextPageToken) break;
      nextPageToken = page.nextPageToken;
    }
    return listing;
  }

  async create(spec: IssueSpec): Promise<TrackedIssue> {
    const { s } = this;
    const created = await this.call('POST', '/issue', {
      fields: {
        project: { key: s.project },
        issuetype: { name: s.issueType },
        summary: oneLine(spec.title).slice(0, 250),
        description: issueAdf(spec),
        labels: labelsOf(spec, s.labels),
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
  }

  async update(issue: TrackedIssue, spec: IssueSpec): Promise<void> {
    const summary = oneLine(spec.title).slice(0, 250);
    await this.call('PUT', `/issue/${issue.ref}`, {
      fields: { summary, description: issueAdf(spec), labels: labelsOf(spec, this.s.labels) },
    });
  }

  async close(issue: TrackedIssue, text: string): Promise<void> {
    await this.comment(issue, text);
    await this.transition(issue, ['done']);
  }

  async reopen(issue: TrackedIssue, text: string): Promise<void> {
    await this.transition(issue, ['new', 'indeterminate']);
    await this.comment(issue, text);
  }
}

export function jiraIssues(settings: JiraSettings): IssueTracker {
  return new JiraIssues(settings);
}
