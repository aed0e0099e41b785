import type { Baseline, BaselineFinding } from '../core/baseline.js';
import { DECISIONS } from '../core/decision.js';
import { TARGET_KINDS, type TargetKind } from '../core/finding.js';
import { exceptionKey } from '../core/results.js';
import { RESULTS_SCHEMA_VERSION } from '../core/results-document.js';
import { mapLegacyRecord } from './legacy.js';
import { parseSeverity } from '../core/severity.js';

/**
 * A baseline, or why a record cannot be one (a warning: the run goes on as if there were none). `notice`: it was
 * read from an older schema and mapped.
 */
export type BaselineRead = { baseline: Baseline; notice?: string } | { problem: string };

/** Records of this schema version are read by mapping their identities to the current ones (see legacy.ts). */
const MAPPED_SCHEMA_VERSION = 2;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * An earlier run's vulngate-results.json as a baseline. Anything else — not JSON, another schema version (its
 * identities were computed differently), a record of other targets — is a problem, never a failure.
 */
export function readBaselineRecord(args: { text: string; source: string; targets: string[] }): BaselineRead {
  const { source } = args;
  let raw: unknown;
  try {
    raw = JSON.parse(args.text.replace(/^\uFEFF/, ''));
  } catch {
    return { problem: `${source} is not JSON` };
  }
  if (!isObject(raw) || !Array.isArray(raw.findings) || !Array.isArray(raw.images)) {
    return { problem: `${source} is not a vulngate-results.json` };
  }
  const legacy = raw.schemaVersion === MAPPED_SCHEMA_VERSION;
  if (legacy) mapLegacyRecord(raw as { images: unknown[]; findings: unknown[] });
  else if (raw.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    return {
      problem:
        `${source} is of schemaVersion ${JSON.stringify(raw.schemaVersion ?? null)}, this vulngate writes and ` +
        `compares ${RESULTS_SCHEMA_VERSION}`,
    };
  }
  const stableByName = new Map<string, string>();
  for (const image of raw.images) {
    if (isObject(image)) stableByName.set(str(image.name), str(image.stableName) || str(image.name));
  }
  const targets = [...new Set(stableByName.values())];
  if (!targets.some((t) => args.targets.includes(t))) {
    const had = targets.slice(0, 5).join(', ') || 'nothing';
    return { problem: `${source} is a record of other targets (${had}), not of ${args.targets.join(', ')}` };
  }
  const findings: BaselineFinding[] = [];
  for (const item of raw.findings) {
    const finding = isObject(item) ? toFinding(item, stableByName) : undefined;
    if (!finding) return { problem: `${source} has a finding without its identity or decision` };
    findings.push(finding);
  }
  const run = isObject(raw.run) ? raw.run : {};
  const exceptions = isObject(raw.exceptions) ? raw.exceptions : {};
  const expired = Array.isArray(exceptions.expired) ? exceptions.expired.filter(isObject) : [];
  return {
    ...(legacy
      ? {
          notice:
            `${source} is of schemaVersion ${MAPPED_SCHEMA_VERSION}: its targets' identities were mapped to ` +
            `this version's (${RESULTS_SCHEMA_VERSION})`,
        }
      : {}),
    baseline: {
      source,
      generatedAt: str(raw.generatedAt),
      ref: str(run.ref),
      commit: str(run.commit),
      targets,
      findings,
      expiredExceptions: expired.map((e) => exceptionKey({ id: str(e.id), origin: str(e.origin) })),
    },
  };
}

function toFinding(item: Json, stableByName: Map<string, string>): BaselineFinding | undefined {
  const severity = parseSeverity(item.severity);
  const decision = DECISIONS.find((d) => d === item.decision);
  const targetKind = TARGET_KINDS.find((k) => k === item.targetKind) ?? ('image' as TargetKind);
  const fingerprint = str(item.fingerprint);
  if (!severity || !decision || !/^[0-9a-f]{64}$/.test(fingerprint)) return undefined;
  const image = str(item.image);
  return {
    fingerprint,
    image,
    stableName: stableByName.get(image) ?? image,
    targetKind,
    target: str(item.target),
    id: str(item.id),
    package: str(item.package),
    installedVersion: str(item.installedVersion),
    fixedVersion: str(item.fixedVersion),
    severity,
    decision,
    title: str(item.title),
    primaryUrl: str(item.primaryUrl),
  };
}
