import { findingPlace, type JudgedFinding } from '../core/finding.js';
import type { SlackEvent } from '../core/notify.js';
import { blockingFindings, failingFindings, newSinceBaseline, type GateResults } from '../core/results.js';
import { compareExploitation, severityWithMarks } from '../core/exploitation.js';
import { compareSeverityDesc } from '../core/severity.js';
import { oneLine, shorten } from '../core/text.js';
import { verdictLine } from './summary.js';

/** Slack's limits for a message: blocks per message, characters per section text, per header. */
export const SLACK_LIMITS = { blocks: 50, text: 3000, header: 150, topFindings: 10 };

/** Text from the scan in Slack's mrkdwn: &, < and > escaped, so nothing becomes a link or a mention. */
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

function link(url: string | undefined, label: string): string | undefined {
  if (!url || !/^https?:\/\/[^\s|<>]+$/.test(url)) return undefined;
  return `<${url}|${label}>`;
}

function findingLine(f: JudgedFinding): string {
  const where = findingPlace(f);
  const fix = f.fixedVersion ? ` → ${mrkdwn(f.fixedVersion)}` : ' (no fix yet)';
  const severity = severityWithMarks(f);
  return `• *${mrkdwn(f.id)}* ${severity} ${code(f.package)} ${mrkdwn(f.installedVersion)}${fix} in ${code(where)}`;
}

const section = (text: string) => ({
  type: 'section',
  text: { type: 'mrkdwn', text: shorten(text, SLACK_LIMITS.text) },
});

export interface SlackMessageArgs {
  results: GateResults;
  events: SlackEvent[];
  /** The repository and branch, for the header. */
  where: string;
  mention?: string;
  runUrl?: string;
  artifactUrl?: string;
}

/** A Block Kit message within Slack's limits, with a plain `text` fallback for notifications. */
export function renderSlackMessage(args: SlackMessageArgs): { text: string; blocks: Record<string, unknown>[] } {
  const { results } = args;
  const verdict = verdictLine(results);
  const why: Record<SlackEvent, string> = {
    fail: 'the check failed',
    new: 'blocking findings are new since the last scan',
    'expired-exception': 'an exception expired',
  };
  const because = args.events.map((e) => why[e]).join(' and ');
  const intro = `${args.mention ? `${args.mention} ` : ''}${mrkdwn(verdict)}\n_Posted because ${because}._`;
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: shorten(oneLine(`vulngate: ${args.where}`), SLACK_LIMITS.header) },
    },
    section(intro),
  ];
  const counts = results.images.map(
    (i) =>
      `${code(i.name)}: ${i.counts.blocking} blocking, ${i.counts.excepted} excepted, ` +
      `${i.counts.unfixed} unfixed, ${i.counts['below-threshold']} below threshold`,
  );
  if (counts.length > 0) blocks.push(section(lines(counts, SLACK_LIMITS.text)));
  const top = [...failingFindings(results)].sort(
    (a, b) => compareExploitation(a, b) || compareSeverityDesc(a.severity, b.severity),
  );
  if (top.length > 0) {
    const shown = top.slice(0, SLACK_LIMITS.topFindings).map(findingLine);
    const rest = top.length > shown.length ? [`… and ${top.length - shown.length} more blocking`] : [];
    blocks.push(
      { type: 'divider' },
      section(lines([`*Blocking (${top.length})*`, ...shown, ...rest], SLACK_LIMITS.text)),
    );
  }
  if (results.baseline) {
    const fresh = newSinceBaseline(results).filter((f) => f.decision === 'blocking');
    if (fresh.length > 0) {
      blocks.push(
        section(lines([`*New since the last scan (${fresh.length})*`, ...fresh.map(findingLine)], SLACK_LIMITS.text)),
      );
    }
  }
  const expired = results.baseline ? results.exceptions.expiredSinceBaseline : results.exceptions.expired;
  if (expired.length > 0) {
    const items = expired.map(
      (e) => `• ${mrkdwn(e.id)} (${mrkdwn(e.origin)}) expired ${mrkdwn(e.until ?? '')}: ${mrkdwn(e.note)}`,
    );
    blocks.push(section(lines([`*Expired exceptions (${expired.length})*`, ...items], SLACK_LIMITS.text)));
  }
  const links = [link(args.runUrl, 'Run'), link(args.artifactUrl, 'Audit artifact')].filter(Boolean);
  if (links.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join(' · ') }] });
  const blocking = blockingFindings(results).length;
  const text = shorten(`${oneLine(verdict)} (${args.where}; ${blocking} blocking)`, SLACK_LIMITS.text);
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
