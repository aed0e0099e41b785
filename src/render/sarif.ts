import { gzipSync } from 'node:zlib';
import { groupBy } from '../core/collections.js';
import { codeFilePath, type JudgedFinding, type TargetKind } from '../core/finding.js';
import type { GateResults } from '../core/results.js';
import { link as mdLink, table, text as mdText } from './markdown.js';
import type { Severity } from '../core/severity.js';

/** GitHub code scanning's limits for one upload. */
export const SARIF_LIMITS = { resultsPerRun: 25_000, runsPerFile: 20, gzippedBytes: 10 * 1024 * 1024 };

/** Used when a finding has no CVSS score; GitHub maps ≥9 critical, ≥7 high, ≥4 medium, >0 low. */
const SEVERITY_SCORE: Record<Severity, string> = {
  CRITICAL: '9.5',
  HIGH: '8.0',
  MEDIUM: '5.5',
  LOW: '2.0',
  UNKNOWN: '0.0',
};
/**
 * Against the baseline. Gone findings are not written as `absent` results: GitHub does not read baselineState, so
 * an absent result would show as an open alert; leaving it out of the upload is what closes its alert.
 */
const BASELINE_STATE = { new: 'new', unchanged: 'unchanged', changed: 'updated' } as const;
const DECISION_ORDER = { blocking: 0, excepted: 1, vex: 2, unfixed: 3, 'below-threshold': 4 } as const;

export interface SarifOptions {
  results: GateResults;
  /** `all` (default) or only `blocking` findings. */
  include: 'all' | 'blocking';
  /** Locate results on the Dockerfile's FROM line instead of on the image. */
  dockerfile?: { path: string; fromLine: number };
  limits?: typeof SARIF_LIMITS;
}

export interface SarifRendering {
  sarif: SarifLog;
  /** The log as written (compact JSON): within the gzipped limit. */
  text: string;
  omitted: { results: number; runs: number };
}

// The subset of SARIF 2.1.0 written here.
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}
interface SarifRun {
  tool: { driver: Record<string, unknown>; extensions: Record<string, unknown>[] };
  automationDetails: { id: string };
  results: Record<string, unknown>[];
  properties: Record<string, unknown>;
}

const HEADER = '{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[';

/** The images (runs) that fit GitHub's run limit, each with its findings most important first. */
export interface SarifPlan {
  runs: { image: string; stableName: string; kind: TargetKind; findings: JudgedFinding[] }[];
  omittedRuns: number;
  /** Findings of the images left out. */
  omittedResults: number;
}

export function planSarif(options: SarifOptions): SarifPlan {
  const limits = options.limits ?? SARIF_LIMITS;
  const all = options.results.findings;
  const selected = options.include === 'blocking' ? all.filter((f) => f.decision === 'blocking') : all;
  const byImage = new Map<string, JudgedFinding[]>();
  for (const image of options.results.images) byImage.set(image.name, []);
  for (const f of selected) byImage.get(f.image)?.push(f);
  // Over the run limit: images with blocking findings first, then by how many findings they carry.
  const images = [...byImage.entries()].sort(
    ([, a], [, b]) => blockingCount(b) - blockingCount(a) || b.length - a.length,
  );
  const keptNames = new Set(images.slice(0, limits.runsPerFile).map(([name]) => name));
  return {
    runs: options.results.images
      .filter((i) => keptNames.has(i.name))
      .map((i) => ({
        image: i.name,
        stableName: i.stableName,
        kind: i.kind,
        findings: prioritized(byImage.get(i.name) ?? []),
      })),
    omittedRuns: images.length - keptNames.size,
    omittedResults: images.slice(limits.runsPerFile).reduce((n, [, list]) => n + list.length, 0),
  };
}

/**
 * The SARIF log as JSON text, run by run, with at most `perRun` results each: the whole log never has to be one
 * object or one string. `omitted` counts what `perRun` left out.
 */
export function sarifChunks(
  options: SarifOptions,
  plan: SarifPlan,
  perRun: number,
): { chunks: Iterable<string>; omitted: number } {
  const omitted = plan.runs.reduce((n, run) => n + Math.max(0, run.findings.length - perRun), 0);
  function* chunks(): Generator<string> {
    yield HEADER;
    for (const [i, run] of plan.runs.entries()) {
      const built = buildRun({ ...run, findings: run.findings.slice(0, perRun), options });
      yield (i > 0 ? ',' : '') + JSON.stringify(built);
    }
    yield ']}';
  }
  return { chunks: chunks(), omitted };
}

/** The whole log in memory (tests, small runs); the gate streams it with sarifChunks instead. */
export function renderSarif(options: SarifOptions): SarifRendering {
  const limits = options.limits ?? SARIF_LIMITS;
  const plan = planSarif(options);
  for (let perRun = limits.resultsPerRun; ; perRun = Math.floor(perRun / 2)) {
    const { chunks, omitted } = sarifChunks(options, plan, perRun);
    const text = [...chunks].join('');
    // Too big once gzipped: keep halving what each run may carry; blocking findings sort first so they stay.
    if (perRun <= 1 || gzipSync(text).length <= limits.gzippedBytes) {
      const sarif = JSON.parse(text) as SarifLog;
      return { sarif, text, omitted: { results: plan.omittedResults + omitted, runs: plan.omittedRuns } };
    }
  }
}

function blockingCount(list: JudgedFinding[]): number {
  return list.filter((f) => f.decision === 'blocking').length;
}

function prioritized(list: JudgedFinding[]): JudgedFinding[] {
  return [...list].sort((a, b) => DECISION_ORDER[a.decision] - DECISION_ORDER[b.decision]);
}

/** GitHub reads 0.0–10.0; a report's CVSS comes from the scan, so anything else falls back to the severity. */
function securitySeverity(f: JudgedFinding): string {
  const score = f.cvss;
  return score !== undefined && Number.isFinite(score) && score >= 0 && score <= 10
    ? score.toFixed(1)
    : SEVERITY_SCORE[f.severity];
}

/** `registry/app:1.2` as a relative URI: a colon in the first segment would read as a scheme. */
function imageUri(image: string): string {
  return encodeURI(image.replace(/^\/+/, '')).replace(/:/g, '%3A');
}

/** The run's category: images keep `vulngate/<image>/`; code directories and SBOMs say what they are. */
export function sarifCategory(name: string, kind: TargetKind): string {
  return kind === 'image' ? `vulngate/${name}/` : `vulngate/${kind}/${name}/`;
}

function kindWord(kind: TargetKind): string {
  return kind === 'image' ? 'image' : kind === 'fs' ? 'directory' : 'SBOM';
}

function buildRun({
  image,
  stableName,
  kind,
  findings,
  options,
}: {
  image: string;
  stableName: string;
  kind: TargetKind;
  findings: JudgedFinding[];
  options: SarifOptions;
}): SarifRun {
  // Grouped once: filtering all findings per rule is quadratic in the number of distinct ids.
  // A group is never empty: each starts with the finding that made it.
  const byId = groupBy(findings, (f) => f.id) as Map<string, [JudgedFinding, ...JudgedFinding[]]>;
  const ruleIndex = new Map<string, number>();
  const rules = [...byId.entries()].map(([id, affected], index) => {
    ruleIndex.set(id, index);
    return buildRule(affected);
  });
  return {
    tool: {
      driver: {
        name: 'vulngate',
        version: options.results.tool.version,
        semanticVersion: options.results.tool.version,
        informationUri: 'https://github.com/vulngate/vulngate',
        rules,
      },
      extensions: [
        {
          name: 'Trivy',
          version: options.results.tool.trivyVersion || 'unknown',
          informationUri: 'https://github.com/aquasecurity/trivy',
        },
      ],
    },
    // The stable name: a category per tag would open every alert anew on each push and never close the old ones.
    automationDetails: { id: sarifCategory(stableName, kind) },
    results: findings.map((f) => buildResult(f, ruleIndex.get(f.id) ?? 0, options)),
    properties: { image, kind, profile: options.results.profile.source, verdict: options.results.verdict },
  };
}

/** One rule per id; `affected` are its findings in this image, the first one describes it. */
function buildRule(affected: [JudgedFinding, ...JudgedFinding[]]): Record<string, unknown> {
  const [f] = affected;
  const title = f.title || f.id;
  // Package names and paths come from the scanned image: escaped for the markdown GitHub renders.
  const heading = f.primaryUrl ? mdLink(f.id, f.primaryUrl).md : mdText(f.id).md;
  const rows = table(
    ['Package', 'Installed', 'Fixed in'],
    affected.map((a) => [a.package, a.installedVersion, a.fixedVersion || 'no fix yet']),
  );
  const markdown = [
    `**${f.kind === 'secret' ? 'Secret' : 'Vulnerability'} ${heading}** (${f.severity})`,
    '',
    f.kind === 'secret' ? `Found in ${mdText(f.package).md}. Remove the secret from the image and rotate it.` : rows,
    '',
    mdText(f.description).md,
  ].join('\n');
  const text = affected.map((a) => `${a.package} ${a.installedVersion} → ${a.fixedVersion || 'no fix yet'}`).join('; ');
  return {
    id: f.id,
    name:
      f.kind === 'secret' ? 'Secret' : f.class === 'lang-pkgs' ? 'DependencyVulnerability' : 'OsPackageVulnerability',
    shortDescription: { text: title },
    fullDescription: { text: f.description || title },
    helpUri: f.primaryUrl || undefined,
    help: { text: `${f.id} (${f.severity}): ${text}`, markdown },
    defaultConfiguration: { level: 'warning' },
    properties: {
      'security-severity': securitySeverity(f),
      precision: 'very-high',
      tags: ['security', f.kind, f.severity, ...(f.type ? [f.type] : []), ...f.cweIds, ...(f.kev ? ['kev'] : [])],
    },
  };
}

function resultLocation(f: JudgedFinding, options: SarifOptions): { uri: string; region: { startLine: number } } {
  switch (f.targetKind) {
    case 'fs':
      return { uri: imageUri(codeFilePath(f.image, f.target)), region: { startLine: f.startLine ?? 1 } };
    case 'sbom':
      return { uri: imageUri(f.image), region: { startLine: 1 } };
    default:
      return options.dockerfile
        ? { uri: options.dockerfile.path, region: { startLine: options.dockerfile.fromLine } }
        : { uri: imageUri(f.image), region: { startLine: 1 } };
  }
}

function buildResult(f: JudgedFinding, ruleIndex: number, options: SarifOptions): Record<string, unknown> {
  const location = resultLocation(f, options);
  const fix = f.kind === 'secret' ? 'remove it' : f.fixedVersion ? `fixed in ${f.fixedVersion}` : 'no fix yet';
  const what =
    f.kind === 'secret' ? `Secret ${f.id} in ${f.package}` : `${f.package} ${f.installedVersion} has ${f.id}`;
  return {
    ruleId: f.id,
    ruleIndex,
    level: f.decision === 'blocking' ? 'error' : 'note',
    message: {
      text:
        `${what} (${f.severity}; ${fix}) in ${kindWord(f.targetKind)} ${f.image}. ` +
        `Decision: ${f.decision} — ${f.reason}.`,
    },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: location.uri }, region: location.region },
        // An image's OS target already names the image (`shop/api:1 (debian 12.11)`).
        message: { text: f.target.startsWith(f.image) ? f.target : `${f.image}: ${f.target}` },
      },
    ],
    partialFingerprints: { 'vulngateFinding/v2': f.fingerprint },
    ...(f.change ? { baselineState: BASELINE_STATE[f.change] } : {}),
    properties: {
      decision: f.decision,
      reason: f.reason,
      image: f.image,
      targetKind: f.targetKind,
      package: f.package,
      installedVersion: f.installedVersion,
      fixedVersion: f.fixedVersion,
      severity: f.severity,
      ...(f.kev ? { kev: f.kev } : {}),
      ...(f.epss ? { epss: f.epss } : {}),
      ...(f.exception
        ? {
            exceptionNote: f.exception.note,
            exceptionUntil: f.exception.until,
            exceptionOwner: f.exception.owner,
            exceptionTicket: f.exception.ticket,
          }
        : {}),
    },
  };
}

/** The line of the first FROM in a Dockerfile (1-based), or 1 when there is none. */
export function dockerfileFromLine(text: string): number {
  const index = text.split(/\r?\n/).findIndex((line) => /^\s*FROM\s/i.test(line));
  return index === -1 ? 1 : index + 1;
}
