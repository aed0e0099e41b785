import { findingPlace, type JudgedFinding } from '../core/finding.js';
import type { SlackEvent } from '../core/notify.js';
import { blockingFindings, failingFindings, newSinceBaseline, type GateResults } from '../core/results.js';
import { compareExploitation, severityWithMarks } from '../core/exploitation.js';
import { compareSeverityDesc } from '../core/severity.js';
import { oneLine, shorten } from '../core/text.js';
import { verdictLine } from './summary.js';

/** Slack's limits for a message: blocks per message, characters per section text, per header. */
export const SLACK_LIMITS = { blocks: 50, text: 3000, header: 150, topFindings: 10 };

/** One finding as the message lists it: text only, escaped when the message is made. */
export interface SlackFindingLine {
  id: string;
  /** The severity with its exploitation marks: `LOW · KEV since 2022-04-04`. */
  severity: string;
  package: string;
  installedVersion: string;
  fixedVersion: string;
  where: string;
}

/**
 * What a Slack message says, as data: no markup, no mention, no link that has not been checked. It is what the
 * spool keeps, so a replay makes the message again from it — escaping everything, with the mention and the links
 * the sending job allows — and a tampered spool can change words, never markup.
 */
export interface SlackMessageData {
  verdict: string;
  events: SlackEvent[];
  /** The repository and branch, for the header. */
  where: string;
  blocking: number;
  counts: { name: string; blocking: number; excepted: number; unfixed: number; belowThreshold: number }[];
  /** The most exploitable, most severe blocking findings first; `topTotal` of them in all. */
  top: SlackFindingLine[];
  topTotal: number;
  /** Blocking findings new since the baseline, when there is one. */
  fresh: SlackFindingLine[];
  expired: { id: string; origin: string; until: string; note: string }[];
  runUrl?: string;
  artifactUrl?: string;
}

/** Text in Slack's mrkdwn: &, < and > escaped, so nothing becomes a link or a mention. */
export function mrkdwn(value: string): string {
  return oneLine(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code that no backtick in the value can end. */
function code(value: string): string {
  return `\`${mrkdwn(value).replace(/`/g, "'")}\``;
}

/** Lines joined until the limit, then how many were left out. */
function lines(items: string[], limit: number): string {
  const kept: string[] = [];
  let length = 0;
  for (const [i, line] of items.entries()) {
    const more = `\n… and ${items.length - i} more`;
    if (length + line.length + 1 + more.length > limit) return `${kept.join('\n')}${more}`;
    kept.push(line);
    length += line.length + 1;
  }
  return kept.join('\n');
}

/** A link only to the sending job's own CI server (the run, the artifact), never one the data names elsewhere. */
function link(url: string | undefined, label: string, origin: string | undefined): string | undefined {
  if (!url || !origin || !/^https?:\/\/[^\s|<>]+$/.test(url)) return undefined;
  try {
    return new URL(url).origin === origin ? `<${url}|${label}>` : undefined;
  } catch {
    return undefined;
  }
}

function findingLine(f: SlackFindingLine): string {
  const fix = f.fixedVersion ? ` → ${mrkdwn(f.fixedVersion)}` : ' (no fix yet)';
  return (
    `• *${mrkdwn(f.id)}* ${mrkdwn(f.severity)} ${code(f.package)} ${mrkdwn(f.installedVersion)}${fix} ` +
    `in ${code(f.where)}`
  );
}

const section = (text: string) => ({
  type: 'section',
  text: { type: 'mrkdwn', text: shorten(text, SLACK_LIMITS.text) },
});

export interface SlackDataArgs {
  results: GateResults;
  events: SlackEvent[];
  where: string;
  runUrl?: string;
  artifactUrl?: string;
}

const asLine = (f: JudgedFinding): SlackFindingLine => ({
  id: f.id,
  severity: severityWithMarks(f),
  package: f.package,
  installedVersion: f.installedVersion,
  fixedVersion: f.fixedVersion,
  where: findingPlace(f),
});

/** What the run's message says, from its results. */
export function slackMessageData(args: SlackDataArgs): SlackMessageData {
  const { results } = args;
  const top = [...failingFindings(results)].sort(
    (a, b) => compareExploitation(a, b) || compareSeverityDesc(a.severity, b.severity),
  );
  const fresh = results.baseline ? newSinceBaseline(results).filter((f) => f.decision === 'blocking') : [];
  const expired = results.baseline ? results.exceptions.expiredSinceBaseline : results.exceptions.expired;
  return {
    verdict: verdictLine(results),
    events: args.events,
    where: args.where,
    blocking: blockingFindings(results).length,
    counts: results.images.map((i) => ({
      name: i.name,
      blocking: i.counts.blocking,
      excepted: i.counts.excepted,
      unfixed: i.counts.unfixed,
      belowThreshold: i.counts['below-threshold'],
    })),
    top: top.slice(0, SLACK_LIMITS.topFindings).map(asLine),
    topTotal: top.length,
    fresh: fresh.map(asLine),
    expired: expired.map((e) => ({ id: e.id, origin: e.origin, until: e.until ?? '', note: e.note })),
    ...(args.runUrl ? { runUrl: args.runUrl } : {}),
    ...(args.artifactUrl ? { artifactUrl: args.artifactUrl } : {}),
  };
}

export interface SlackRenderOptions {
  /** The profile's mention (`<!subteam^ID>`), checked by the profile's schema: the only markup from outside. */
  mention?: string;
  /** The sending job's CI server: links go only there. */
  linkOrigin?: string;
}

const WHY: Record<SlackEvent, string> = {
  fail: 'the check failed',
  new: 'blocking findings are new since the last scan',
  'expired-exception': 'an exception expired',
};

function findingSections(data: SlackMessageData): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = [];
  if (data.top.length > 0) {
    const rest = data.topTotal > data.top.length ? [`… and ${data.topTotal - data.top.length} more blocking`] : [];
    const list = [`*Blocking (${data.topTotal})*`, ...data.top.map(findingLine), ...rest];
    blocks.push({ type: 'divider' }, section(lines(list, SLACK_LIMITS.text)));
  }
  if (data.fresh.length > 0) {
    const list = [`*New since the last scan (${data.fresh.length})*`, ...data.fresh.map(findingLine)];
    blocks.push(section(lines(list, SLACK_LIMITS.text)));
  }
  if (data.expired.length > 0) {
    const items = data.expired.map(
      (e) => `• ${mrkdwn(e.id)} (${mrkdwn(e.origin)}) expired ${mrkdwn(e.until)}: ${mrkdwn(e.note)}`,
    );
    blocks.push(section(lines([`*Expired exceptions (${data.expired.length})*`, ...items], SLACK_LIMITS.text)));
  }
  return blocks;
}

/**
 * A Block Kit message within Slack's limits, made from data: every text escaped, the top-level `text` (what Slack
 * shows in the notification) included.
 */
export function renderSlackMessage(
  data: SlackMessageData,
  options: SlackRenderOptions = {},
): { text: string; blocks: Record<string, unknown>[] } {
  const because = data.events.map((e) => WHY[e]).join(' and ');
  const intro = `${options.mention ? `${options.mention} ` : ''}${mrkdwn(data.verdict)}\n_Posted because ${because}._`;
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: shorten(oneLine(`vulngate: ${data.where}`), SLACK_LIMITS.header) },
    },
    section(intro),
  ];
  const counts = data.counts.map(
    (c) =>
      `${code(c.name)}: ${c.blocking} blocking, ${c.excepted} excepted, ` +
      `${c.unfixed} unfixed, ${c.belowThreshold} below threshold`,
  );
  if (counts.length > 0) blocks.push(section(lines(counts, SLACK_LIMITS.text)));
  blocks.push(...findingSections(data));
  const origin = options.linkOrigin;
  const links = [link(data.runUrl, 'Run', origin), link(data.artifactUrl, 'Audit artifact', origin)].filter(Boolean);
  if (links.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join(' · ') }] });
  const text = shorten(mrkdwn(`${data.verdict} (${data.where}; ${data.blocking} blocking)`), SLACK_LIMITS.text);
  return { text, blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/** Which of the profile's events this run has: empty, nothing is posted. */
export function slackEvents(results: GateResults, wanted: SlackEvent[]): SlackEvent[] {
  const has: Record<SlackEvent, boolean> = {
    fail: results.verdict === 'fail',
    new: results.baseline !== undefined && newSinceBaseline(results).some((f) => f.decision === 'blocking'),
    'expired-exception':
      (results.baseline ? results.exceptions.expiredSinceBaseline : results.exceptions.expired).length > 0,
  };
  return wanted.filter((e) => has[e]);
}
