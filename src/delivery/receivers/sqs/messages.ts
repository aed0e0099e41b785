import type { CiContext } from '../../../config/ci-context.js';
import { sha256Hex as hash } from '../../../core/hash.js';
import type { JudgedFinding } from '../../../core/finding.js';
import type { GateResults, ResultsImage } from '../../../core/results.js';

/** 2: the ECS fields (`@timestamp`, `vulnerability.*`, `package.*`, `container.image.name`) beside vulngate's own. */
export const MESSAGE_SCHEMA_VERSION = 2;

/**
 * One flat JSON document, ready to index: the same for SQS (Fluentd in_sqs → Elasticsearch) and the Elasticsearch
 * receiver. Where the Elastic Common Schema has a name it is used too (dotted keys: Elasticsearch and OpenSearch index
 * them as objects), so dashboards built on ECS work; the mapping is deploy/elasticsearch/index-template.json.
 */
export type SqsDocument = Record<string, string | number | boolean | string[] | null>;

export interface SqsMessage {
  /** Unique in the scan; SQS batch entry ids are derived from it. */
  key: string;
  document: SqsDocument;
  /** Routing attributes: type, severity, decision. */
  attributes: Record<string, string>;
  /** FIFO: one group per image, so one image's messages stay in order. */
  groupId: string;
  /** FIFO: stable per scan and finding, so a retried or replayed batch is not delivered twice. */
  deduplicationId: string;
}

export interface ScanIdentity {
  scanId: string;
  timestamp: string;
  ci: CiContext;
}

function common(identity: ScanIdentity, results: GateResults): SqsDocument {
  const { ci } = identity;
  return {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    scanId: identity.scanId,
    '@timestamp': identity.timestamp,
    timestamp: identity.timestamp,
    repository: ci.repository,
    ref: ci.ref,
    commit: ci.commit,
    pipelineUrl: ci.pipelineUrl,
    profile: results.profile.source,
    profileSeverity: results.profile.severity,
    vulngateVersion: results.tool.version,
    trivyVersion: results.tool.trivyVersion,
  };
}

/** SQS group ids allow 128 characters of [A-Za-z0-9] and punctuation. */
function groupIdFor(image: string): string {
  const cleaned = image.replace(/[^\x21-\x7e]/g, '_');
  return cleaned.length <= 128 ? cleaned : `${cleaned.slice(0, 63)}-${hash(image).slice(0, 64)}`;
}

/** One message per finding, then one summary message per image. */
export function buildMessages(args: { identity: ScanIdentity; results: GateResults }): SqsMessage[] {
  const { identity, results } = args;
  const base = common(identity, results);
  return [
    ...results.findings.map((f) => findingMessage(identity, base, f)),
    ...results.images.map((image) => imageMessage(identity, base, image)),
  ];
}

function findingMessage(identity: ScanIdentity, base: SqsDocument, f: JudgedFinding): SqsMessage {
  const key = f.fingerprint;
  const deduplicationId = hash(`${identity.scanId}\u0000${key}`);
  return {
    key,
    document: {
      ...base,
      // The index's _id (the Elasticsearch receiver, Fluentd's id_key): a resent document overwrites itself.
      documentId: deduplicationId,
      type: 'finding',
      'container.image.name': f.image,
      'vulnerability.id': f.id,
      'vulnerability.severity': f.severity,
      'vulnerability.score.base': f.cvss ?? null,
      'package.name': f.package,
      'package.version': f.installedVersion,
      image: f.image,
      targetKind: f.targetKind,
      target: f.target,
      class: f.class,
      packageType: f.type,
      kind: f.kind,
      vulnerabilityId: f.id,
      pkgId: f.pkgId,
      purl: f.purl,
      installedVersion: f.installedVersion,
      fixedVersion: f.fixedVersion,
      status: f.status,
      severity: f.severity,
      cvss: f.cvss ?? null,
      // Flat, as Fluentd and Elasticsearch aggregate it.
      kevDateAdded: f.kev?.dateAdded ?? null,
      kevDueDate: f.kev?.dueDate ?? null,
      kevRansomware: f.kev ? f.kev.knownRansomwareCampaignUse === 'Known' : null,
      epssScore: f.epss?.score ?? null,
      epssPercentile: f.epss?.percentile ?? null,
      title: f.title,
      primaryUrl: f.primaryUrl,
      description: f.description,
      references: f.references,
      decision: f.decision,
      reason: f.reason,
      exceptionNote: f.exception?.note ?? null,
      exceptionUntil: f.exception?.until ?? null,
      // Against the baseline: new, unchanged or changed; null when the run had none.
      change: f.change ?? null,
    },
    attributes: { type: 'finding', severity: f.severity, decision: f.decision },
    groupId: groupIdFor(f.image),
    deduplicationId,
  };
}

function imageMessage(identity: ScanIdentity, base: SqsDocument, image: ResultsImage): SqsMessage {
  const key = hash(`summary\u0000${image.name}`);
  const deduplicationId = hash(`${identity.scanId}\u0000${key}`);
  const verdict = image.counts.blocking > 0 ? 'fail' : 'pass';
  return {
    key,
    document: {
      ...base,
      documentId: deduplicationId,
      type: 'image-summary',
      'container.image.name': image.name,
      image: image.name,
      targetKind: image.kind,
      report: image.report,
      os: image.os ?? null,
      osEndOfLife: image.endOfLife ?? false,
      verdict,
      blocking: image.counts.blocking,
      excepted: image.counts.excepted,
      unfixed: image.counts.unfixed,
      belowThreshold: image.counts['below-threshold'],
      notAffectedByVex: image.counts.vex,
      critical: image.bySeverity.CRITICAL,
      high: image.bySeverity.HIGH,
      medium: image.bySeverity.MEDIUM,
      low: image.bySeverity.LOW,
      unknown: image.bySeverity.UNKNOWN,
    },
    attributes: { type: 'image-summary', severity: 'NONE', decision: verdict },
    groupId: groupIdFor(image.name),
    deduplicationId,
  };
}

/** Long text fields are dropped first when a message is over the queue's size limit. */
const DROPPABLE = ['description', 'references', 'reason', 'title', 'exceptionNote', 'primaryUrl', 'purl', 'target'];

/**
 * The message body within `limit` bytes (with its attributes' size): long text fields are dropped, in order,
 * and the document says which (`truncated`, `droppedFields`), so nothing is silently lost.
 */
export function fitBody(message: SqsMessage, limit: number, attributeBytes: number): string {
  let body = JSON.stringify(message.document);
  if (Buffer.byteLength(body) + attributeBytes <= limit) return body;
  const dropped: string[] = [];
  for (const field of DROPPABLE) {
    if (!(field in message.document)) continue;
    dropped.push(field);
    const kept = Object.fromEntries(Object.entries(message.document).filter(([key]) => !dropped.includes(key)));
    body = JSON.stringify({ ...kept, truncated: true, droppedFields: dropped });
    if (Buffer.byteLength(body) + attributeBytes <= limit) return body;
  }
  return body;
}
