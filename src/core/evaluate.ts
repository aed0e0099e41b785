import picomatch from 'picomatch';
import {
  findingFingerprint,
  splitImageName,
  stableNames,
  targetWithoutArtifact,
  type IdentityRule,
  type IdentitySource,
} from './identity.js';
import { codeFilePath, isFixable, type Finding, type ImageReport, type JudgedFinding } from './finding.js';
import { exploitationOf, exploitedReason } from './exploitation-judge.js';
import type { ExploitationData } from './exploitation.js';
import { emptyNearMiss, noteMiss, whyUnused, type MissPart, type NearMiss } from './near-miss.js';
import { EXPIRING_SOON_DAYS, normalizeVulnerabilityId, type ExceptionRule, type Profile } from './profile.js';
import { severityRank } from './severity.js';

const DAY_MS = 86_400_000;

export interface ExceptionStatus {
  rule: ExceptionRule;
  /** Findings it excepted (active) or would have excepted (expired). */
  matches: number;
  /** For an unused exception: which of its conditions did not hold ("the id matched 2 findings; images did not"). */
  why?: string;
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
  /** What kept it from matching, for an unused exception's reason. */
  nearMiss: NearMiss;
}

export interface EvaluateArgs {
  images: ImageReport[];
  profile: Profile;
  now: Date;
  /** Identities the user set per target (`target-identity`). */
  identities?: IdentityRule[];
  /** The KEV and EPSS feeds the run read, when the profile uses them. */
  exploitation?: ExploitationData;
}

export function evaluate({ images, profile, now, identities = [], exploitation = {} }: EvaluateArgs): Evaluation {
  const compiled = profile.exceptions.map((rule) => compile(rule, now));
  const byId = new Map<string, CompiledException[]>();
  for (const entry of compiled) {
    const list = byId.get(entry.rule.id);
    if (list) list.push(entry);
    else byId.set(entry.rule.id, [entry]);
  }
  const threshold = severityRank(profile.severity);
  const findings: JudgedFinding[] = [];
  const names = stableNames(
    images.map((i) => ({ image: i.image, kind: i.kind, source: i.source, variant: i.variant })),
    identityMatcher(identities),
  );
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
      const id = normalizeVulnerabilityId(finding.id);
      const candidates = byId.get(id);
      const known = exploitationOf(id, exploitation);
      findings.push(judge({ finding: { ...finding, ...known, fingerprint }, threshold, profile, candidates }));
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
      unused: active.filter((c) => c.matches === 0).map((c) => ({ ...status(c), why: whyUnused(c.rule, c.nearMiss) })),
    },
  };
}

/**
 * The user's identity for a target: the first rule whose glob matches the file it was read from (as given, or its
 * name alone) or the image's name (with or without its tag).
 */
function identityMatcher(rules: IdentityRule[]): (target: IdentitySource) => string | undefined {
  const compiled = rules.map((r) => ({
    identity: r.identity,
    matches: picomatch(r.pattern, { bash: true, dot: true }),
  }));
  return (target) => {
    const candidates = [target.image, splitImageName(target.image).repository];
    if (target.source) candidates.push(target.source, target.source.split(/[\\/]/).pop() ?? target.source);
    return compiled.find((r) => candidates.some((c) => r.matches(c)))?.identity;
  };
}

/** No globs: everything. bash mode: `*` also crosses `/`, so `kibana*` covers `kibana/kibana:7` as people expect. */
function globMatcher(globs: string[] | undefined): (text: string) => boolean {
  if (globs === undefined || globs.length === 0) return () => true;
  return picomatch(globs, { bash: true, dot: true, nocase: false });
}

function compile(rule: ExceptionRule, now: Date): CompiledException {
  const image = globMatcher(rule.images);
  return {
    rule,
    active: rule.until === undefined || now.getTime() < exceptionEndsAt(rule.until),
    // `shop/api` covers every tag and digest of it: CI tags each build with its commit.
    matchesImage: (name) => image(name) || image(splitImageName(name).repository),
    matchesPath: globMatcher(rule.paths),
    matches: 0,
    nearMiss: emptyNearMiss(),
  };
}

interface JudgeArgs {
  finding: Finding & { fingerprint: string };
  threshold: number;
  profile: Profile;
  candidates: CompiledException[] | undefined;
}

function judge({ finding, threshold, profile, candidates }: JudgeArgs): JudgedFinding {
  for (const candidate of candidates ?? []) candidate.nearMiss.idMatches += 1;
  // A VEX statement is the supplier's word that this product is not affected: it decides before the profile.
  if (finding.vex) {
    const why = finding.vex.justification ? `: ${finding.vex.justification}` : '';
    const from = finding.vex.source ? ` (${finding.vex.source})` : '';
    return { ...finding, decision: 'vex', reason: `VEX says ${finding.vex.status.replace(/_/g, ' ')}${why}${from}` };
  }
  // Exploited (KEV with `kev: block`, or EPSS at or over `epss`): blocks whatever its severity.
  const exploited = exploitedReason(finding, profile);
  if (!exploited && severityRank(finding.severity) < threshold) {
    return {
      ...finding,
      decision: 'below-threshold',
      reason: `severity ${finding.severity} is below the threshold ${profile.severity}`,
    };
  }
  // KEV's required action may be a mitigation: a KEV-listed finding counts fixed or not. EPSS alone does not.
  if (!isFixable(finding) && profile.ignoreUnfixed && !(exploited && finding.kev)) {
    return {
      ...finding,
      decision: 'unfixed',
      reason: 'no fixed version yet, and the profile ignores unfixed findings',
    };
  }
  const { excepting, expired } = findException(finding, candidates ?? []);
  if (excepting) {
    const until = excepting.rule.until ? ` until ${excepting.rule.until}` : '';
    return {
      ...finding,
      decision: 'excepted',
      reason: `excepted by ${excepting.rule.origin}${until}: ${excepting.rule.note}`,
      exception: excepting.rule,
    };
  }
  const fix = finding.kind === 'secret' ? 'remove the secret' : `fixed in ${finding.fixedVersion}`;
  const reason = exploited
    ? `${exploited}: blocks whatever its severity (${finding.severity})${isFixable(finding) ? `; ${fix}` : ''}`
    : `severity ${finding.severity} is at or above ${profile.severity} and ` +
      `${isFixable(finding) ? fix : 'unfixed findings count'}`;
  return {
    ...finding,
    decision: 'blocking',
    reason: expired ? `${reason}; exception ${expired.rule.origin} expired on ${expired.rule.until}` : reason,
  };
}

/**
 * The first active exception whose every condition holds; an expired one that would have held is kept for the
 * reason. Every candidate notes which of its conditions failed, so an unused exception can say why.
 */
function findException(
  finding: Finding,
  candidates: CompiledException[],
): { excepting?: CompiledException; expired?: CompiledException } {
  let excepting: CompiledException | undefined;
  let expired: CompiledException | undefined;
  for (const candidate of candidates) {
    candidate.nearMiss.needed += 1;
    const failed = failedConditions(candidate, finding);
    for (const part of failed) noteMiss(candidate.nearMiss, part, finding);
    if (failed.length > 0) continue;
    if (excepting) {
      candidate.nearMiss.shadowedBy ??= excepting.rule.origin;
      continue;
    }
    candidate.matches += 1;
    if (candidate.active) excepting = candidate;
    else expired ??= candidate;
  }
  return { excepting, expired };
}

/** Which of the exception's conditions (besides its id) the finding fails. */
function failedConditions(candidate: CompiledException, finding: Finding): MissPart[] {
  const { rule } = candidate;
  const failed: MissPart[] = [];
  if (rule.package !== undefined && !packageMatches(rule.package, finding)) failed.push('package');
  if (rule.severity !== undefined && severityRank(finding.severity) > severityRank(rule.severity)) {
    failed.push('severity');
  }
  if (!candidate.matchesImage(finding.image)) failed.push('images');
  if (!candidate.matchesPath(exceptionPath(finding))) failed.push('paths');
  return failed;
}

/**
 * `package:` names the package as Trivy reports it or its source package: `openssl` covers libssl3 and openssl
 * alike (Debian builds both from openssl), as an advisory names the source.
 */
function packageMatches(wanted: string, finding: Finding): boolean {
  return wanted === finding.package || (finding.sourcePackage !== undefined && wanted === finding.sourcePackage);
}

/** `paths:` globs match a lockfile's path from the repository root (as SARIF names it), else Trivy's target. */
export function exceptionPath(finding: Pick<Finding, 'targetKind' | 'image' | 'target'>): string {
  return finding.targetKind === 'fs' ? codeFilePath(finding.image, finding.target) : finding.target;
}
