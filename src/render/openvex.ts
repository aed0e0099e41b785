import { groupBy } from '../core/collections.js';
import type { JudgedFinding } from '../core/finding.js';
import { sha256Hex } from '../core/hash.js';
import { fingerprintUuid, splitImageName } from '../core/identity.js';
import type { ExceptionRule } from '../core/profile.js';
import type { GateResults, ResultsImage } from '../core/results.js';

/** OpenVEX 0.2.0: what the go-vex library (vexctl, Trivy) reads. */
const CONTEXT = 'https://openvex.dev/ns/v0.2.0';

interface Product {
  '@id': string;
  subcomponents?: { '@id': string }[];
}

interface Statement {
  vulnerability: { name: string };
  products: Product[];
  status: string;
  justification?: string;
  impact_statement?: string;
  action_statement?: string;
  status_notes?: string;
}

/**
 * `pkg:oci/api@sha256%3A…?repository_url=registry.example.com/shop/api&tag=1.4`: the image by digest — the manifest
 * digest where the archive names one, else a repo digest, else the image ID (the config's digest, which a
 * `docker save` archive always has). Undefined when no digest is known.
 */
export function imagePurl(
  image: Pick<ResultsImage, 'name' | 'manifestDigest' | 'repoDigests' | 'imageId'>,
): string | undefined {
  const repoDigest = image.repoDigests?.map((d) => d.split('@')[1]).find((d) => d?.startsWith('sha256:'));
  const digest = image.manifestDigest ?? repoDigest ?? image.imageId;
  if (!digest) return undefined;
  const { repository, tag } = splitImageName(image.name);
  const name = (repository.split('/').pop() ?? repository).toLowerCase();
  const qualifiers = [`repository_url=${repository.toLowerCase()}`, ...(tag ? [`tag=${encodeURIComponent(tag)}`] : [])];
  return `pkg:oci/${encodeURIComponent(name)}@${encodeURIComponent(digest)}?${qualifiers.join('&')}`;
}

/**
 * The status fields OpenVEX allows for each status (go-vex's Statement.Validate). An exception is a risk accepted,
 * not a claim that the product is unaffected: `affected` with the note as what is being done, unless the exception
 * says `not_affected` with a justification (which consumers such as Trivy's --vex then suppress).
 */
function statusFields(rule: ExceptionRule): Omit<Statement, 'vulnerability' | 'products'> {
  const status = rule.vexStatus ?? 'affected';
  switch (status) {
    case 'not_affected':
      return {
        status,
        ...(rule.vexJustification ? { justification: rule.vexJustification } : {}),
        impact_statement: rule.note,
      };
    case 'affected':
      return { status, action_statement: rule.note };
    default:
      return { status, status_notes: rule.note };
  }
}

/**
 * vulngate.openvex.json: one statement per exception that excepted findings in images, its products the images by
 * digest with the affected packages as subcomponents, so downstream consumers (and Trivy) can read vulngate's
 * decisions. Exceptions on code directories have no image to name and are left out.
 */
export function renderOpenVex(results: GateResults): Record<string, unknown> {
  const images = new Map(results.images.map((i) => [i.name, i]));
  const byRule = new Map<string, { rule: ExceptionRule; findings: JudgedFinding[] }>();
  for (const f of results.findings) {
    // A secret is no vulnerability of a product: it never goes into a VEX document.
    if (f.decision !== 'excepted' || !f.exception || f.targetKind !== 'image' || f.kind === 'secret') continue;
    const entry = byRule.get(f.exception.origin) ?? { rule: f.exception, findings: [] };
    entry.findings.push(f);
    byRule.set(f.exception.origin, entry);
  }
  const statements: Statement[] = [];
  for (const { rule, findings } of byRule.values()) {
    const products: Product[] = [];
    for (const [name, list] of groupBy(findings, (f) => f.image)) {
      const image = images.get(name);
      const purl = image ? imagePurl(image) : undefined;
      if (!purl) continue;
      const subcomponents = [...new Set(list.map((f) => f.purl).filter(Boolean))].sort();
      products.push({
        '@id': purl,
        ...(subcomponents.length > 0 ? { subcomponents: subcomponents.map((id) => ({ '@id': id })) } : {}),
      });
    }
    if (products.length > 0) statements.push({ vulnerability: { name: rule.id }, products, ...statusFields(rule) });
  }
  // Ordered by id, so the same decisions give the same bytes.
  statements.sort((a, b) => a.vulnerability.name.localeCompare(b.vulnerability.name));
  const body = JSON.stringify(statements);
  return {
    '@context': CONTEXT,
    // The same decisions give the same document id.
    '@id': `urn:uuid:${fingerprintUuid(sha256Hex(body))}`,
    author: `vulngate (profile ${results.profile.source})`,
    timestamp: results.generatedAt,
    version: 1,
    tooling: `vulngate ${results.tool.version}`,
    statements,
  };
}
