import picomatch from 'picomatch';
import { findingFingerprint, stableNames, targetWithoutArtifact } from './identity.js';
import { isFixable, type Finding, type ImageReport, type JudgedFinding } from './finding.js';
import { EXPIRING_SOON_DAYS, normalizeVulnerabilityId, type ExceptionRule, type Profile } from './profile.js';
import { severityRank } from './severity.js';

const DAY_MS = 86_400_000;

export interface ExceptionStatus {
  rule: ExceptionRule;
  /** Findings it excepted (active) or would have excepted (expired). */
  matches: number;
}

export interface Evaluation {
  verdict: 'pass' | 'fail';
  /** Each image's stable name (core/identity.ts), in the order of the images judged. */
  stableNames: string[];
  findings: JudgedFinding[];
  exceptions: {
    expired: ExceptionStatus[];
    expiringSoon: ExceptionStatus[];
    unused: ExceptionStatus[];
  };
}

/** Exclusive end of the exception's last day: it applies through the whole UTC day of `until`. */
export function exceptionEndsAt(until: string): number {
  const [y, m, d] = until.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d + 1);
}

interface CompiledException {
  rule: ExceptionRule;
  active: boolean;
  matchesImage: (image: string) => boolean;
  matchesPath: (target: string) => boolean;
  matches: number;
}

export interface EvaluateArgs {
  images: ImageReport[];
  profile: Profile;
  now: Date;
}

export function evaluate({ images, profile, now }: EvaluateArgs): Evaluation {
  const compiled = profile.exceptions.map((rule) => compile(rule, now));
  const byId = new Map<string, CompiledException[]>();
  for (const entry of compiled) {
    const list = byId.get(entry.rule.id);
    if (list) list.push(entry);
    else byId.set(entry.rule.id, [entry]);
  }
  const threshold = severityRank(profile.severity);
  const findings: JudgedFinding[] = [];
  const names = stableNames(images.map((i) => ({ image: i.image, kind: i.kind })));
  for (const [index, image] of images.entries()) {
    const name = names[index] ?? image.image;
    for (const finding of image.findings) {
      const fingerprint = findingFingerprint({
        name,
        target: targetWithoutArtifact(finding.target, image.artifactName),
        package: finding.package,
        installedVersion: finding.installedVersion,
        id: finding.id,
      });
      const candidates = byId.get(normalizeVulnerabilityId(finding.id));
      findings.push(judge({ finding: { ...finding, fingerprint }, threshold, profile, candidates }));
    }
  }
  const expired = compiled.filter((c) => !c.active);
  const active = compiled.filter((c) => c.active);
  // Counted in UTC calendar days, so the notice does not depend on the hour the job runs.
  const todayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const soonLimit = todayStart + (EXPIRING_SOON_DAYS + 1) * DAY_MS;
  const status = (c: CompiledException): ExceptionStatus => ({ rule: c.rule, matches: c.matches });
  return {
    verdict: findings.some((f) => f.decision === 'blocking') ? 'fail' : 'pass',
    stableNames: names,
    findings,
    exceptions: {
      expired: expired.map(status),
      expiringSoon: active
        .filter((c) => c.rule.until !== undefined && exceptionEndsAt(c.rule.until) <= soonLimit)
        .map(status),
      unused: active.filter((c) => c.matches === 0).map(status),
    },
  };
}

/** No globs: everything. bash mode: `*` also crosses `/`, so `kibana*` covers `kibana/kibana:7` as people expect. */
function globMatcher(globs: string[] | undefined): (text: string) => boolean {
  if (globs === undefined || globs.length === 0) return () => true;
  return picomatch(globs, { bash: true, dot: true, nocase: false });
}

function compile(rule: ExceptionRule, now: Date): CompiledException {
  return {
    rule,
    active: rule.until === undefined || now.getTime() < exceptionEndsAt(rule.until),
    matchesImage: globMatcher(rule.images),
    matchesPath: globMatcher(rule.paths),
    matches: 0,
  };
}

interface JudgeArgs {
  finding: Finding & { fingerprint: string };
  threshold: number;
  profile: Profile;
  candidates: CompiledException[] | undefined;
}

function judge({ finding, threshold, profile, candidates }: JudgeArgs): JudgedFinding {
  // A VEX statement is the supplier's word that this product is not affected: it decides before the profile.
  if (finding.vex) {
    const why = finding.vex.justification ? `: ${finding.vex.justification}` : '';
    const from = finding.vex.source ? ` (${finding.vex.source})` : '';
    return { ...finding, decision: 'vex', reason: `VEX says ${finding.vex.status.replace(/_/g, ' ')}${why}${from}` };
  }
  if (severityRank(finding.severity) < threshold) {
    return {
      ...finding,
      decision: 'below-threshold',
      reason: `severity ${finding.severity} is below the threshold ${profile.severity}`,
    };
  }
  if (!isFixable(finding) && profile.ignoreUnfixed) {
    return {
      ...finding,
      decision: 'unfixed',
      reason: 'no fixed version yet, and the profile ignores unfixed findings',
    };
  }
  let expiredMatch: CompiledException | undefined;
  for (const candidate of candidates ?? []) {
    if (!covers(candidate.rule, finding) || !candidate.matchesImage(finding.image)) continue;
    if (!candidate.matchesPath(finding.target)) continue;
    if (candidate.active) {
      candidate.matches += 1;
      const until = candidate.rule.until ? ` until ${candidate.rule.until}` : '';
      return {
        ...finding,
        decision: 'excepted',
        reason: `excepted by ${candidate.rule.origin}${until}: ${candidate.rule.note}`,
        exception: candidate.rule,
      };
    }
    candidate.matches += 1;
    expiredMatch ??= candidate;
  }
  const fix = finding.kind === 'secret' ? 'remove the secret' : `fixed in ${finding.fixedVersion}`;
  const reason =
    `severity ${finding.severity} is at or above ${profile.severity} and ` +
    `${isFixable(finding) ? fix : 'unfixed findings count'}`;
  return {
    ...finding,
    decision: 'blocking',
    reason: expiredMatch
      ? `${reason}; exception ${expiredMatch.rule.origin} expired on ${expiredMatch.rule.until}`
      : reason,
  };
}

/** Package and severity cap; the id was matched by the index and the image by its globs. */
function covers(rule: ExceptionRule, finding: Finding): boolean {
  if (rule.package !== undefined && rule.package !== finding.package) return false;
  if (rule.severity !== undefined && severityRank(finding.severity) > severityRank(rule.severity)) return false;
  return true;
}
