import { randomUUID } from 'node:crypto';
import { ComponentType, HashAlgorithm, Vulnerability as VulnEnums } from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import { JsonSerializer, JSON as JsonNormalize } from '@cyclonedx/cyclonedx-library/Serialize';
import { Spec1dot7 } from '@cyclonedx/cyclonedx-library/Spec';

/**
 * A CycloneDX 1.7 SBOM built in the process from the Trivy JSON report the scan wrote (with --list-all-pkgs), in the
 * shape `trivy convert --format cyclonedx` gives: the image (or directory) as the subject, its OS and each lockfile as
 * components, their packages with purl, licenses, hashes and Trivy's properties, the dependency graph, and the
 * vulnerabilities with the packages they affect. One process per image less: `trivy convert` cost ~0.25 s each.
 */

interface TrivyPackage {
  ID?: string;
  Name?: string;
  Version?: string;
  Identifier?: { PURL?: string; UID?: string };
  SrcName?: string;
  SrcVersion?: string;
  Licenses?: string[];
  Maintainer?: string;
  Digest?: string;
  Layer?: { DiffID?: string };
  FilePath?: string;
  DependsOn?: string[];
  Relationship?: string;
}

interface TrivyVulnerability {
  VulnerabilityID?: string;
  PkgID?: string;
  PkgName?: string;
  PkgIdentifier?: { PURL?: string; UID?: string };
  InstalledVersion?: string;
  FixedVersion?: string;
  Severity?: string;
  SeveritySource?: string;
  VendorSeverity?: Record<string, number>;
  CVSS?: Record<
    string,
    { V2Score?: number; V2Vector?: string; V3Score?: number; V3Vector?: string; V40Score?: number; V40Vector?: string }
  >;
  PrimaryURL?: string;
  DataSource?: { ID?: string; URL?: string };
  Description?: string;
  CweIDs?: string[];
  PublishedDate?: string;
  LastModifiedDate?: string;
}

interface TrivyResult {
  Target?: string;
  Class?: string;
  Type?: string;
  Packages?: TrivyPackage[];
  Vulnerabilities?: TrivyVulnerability[];
}

export interface TrivyReportForSbom {
  ArtifactType?: string;
  Trivy?: { Version?: string };
  Metadata?: { OS?: { Family?: string; Name?: string }; ImageID?: string; DiffIDs?: string[]; RepoTags?: string[] };
  Results?: TrivyResult[];
}

/** Package types Trivy collects from many files at once (no lockfile): their packages hang from the subject itself. */
const AGGREGATED = new Set(['node-pkg', 'python-pkg', 'gemspec', 'jar', 'conda-pkg', 'rustbinary', 'gobinary']);
const PROPERTY = (name: string) => `aquasecurity:trivy:${name}`;

function property(component: Models.Component, name: string, value: string | undefined): void {
  if (value) component.properties.add(new Models.Property(PROPERTY(name), value));
}

/** Unique bom-refs: the purl where it is the first of its kind, else a UUID (as Trivy does). */
class BomRefs {
  private readonly used = new Set<string>();
  next(preferred: string | undefined): string {
    const ref = preferred && !this.used.has(preferred) ? preferred : randomUUID();
    this.used.add(ref);
    return ref;
  }
}

function packageComponent(pkg: TrivyPackage, type: string | undefined, refs: BomRefs): Models.Component {
  const purl = pkg.Identifier?.PURL;
  const component = new Models.Component(ComponentType.Library, pkg.Name ?? pkg.ID ?? 'unknown', {
    bomRef: refs.next(purl),
    ...(pkg.Version ? { version: pkg.Version } : {}),
    ...(purl ? { purl } : {}),
    ...(pkg.Maintainer ? { supplier: new Models.OrganizationalEntity({ name: pkg.Maintainer }) } : {}),
  });
  for (const license of pkg.Licenses ?? []) component.licenses.add(new Models.NamedLicense(license));
  const digest = /^(sha1|sha256|md5):([0-9a-f]+)$/.exec(pkg.Digest ?? '');
  if (digest?.[1] && digest[2]) {
    const alg = { sha1: HashAlgorithm['SHA-1'], sha256: HashAlgorithm['SHA-256'], md5: HashAlgorithm.MD5 }[digest[1]];
    if (alg) component.hashes.set(alg, digest[2]);
  }
  property(component, 'FilePath', pkg.FilePath);
  property(component, 'LayerDiffID', pkg.Layer?.DiffID);
  property(component, 'PkgID', pkg.ID);
  property(component, 'PkgType', type);
  property(component, 'SrcName', pkg.SrcName);
  property(component, 'SrcVersion', pkg.SrcVersion);
  return component;
}

/** The component a result's packages belong to: the OS, a lockfile's application, or the subject itself. */
function holderOf(result: TrivyResult, subject: Models.Component, refs: BomRefs, os?: string): Models.Component {
  if (result.Class === 'lang-pkgs' && AGGREGATED.has(result.Type ?? '')) return subject;
  const isOs = result.Class === 'os-pkgs';
  const holder = new Models.Component(
    isOs ? ComponentType.OperatingSystem : ComponentType.Application,
    (isOs ? result.Type : result.Target) ?? 'unknown',
    { bomRef: refs.next(undefined), ...(isOs && os ? { version: os } : {}) },
  );
  property(holder, 'Class', result.Class);
  property(holder, 'Type', result.Type);
  subject.dependencies.add(holder.bomRef);
  return holder;
}

/** A package's key within its result: Trivy's ID, or name@version where it gives none (pip). */
const keyOf = (id: string | undefined, name: string | undefined, version: string | undefined) =>
  id ?? `${name ?? ''}@${version ?? ''}`;
/**
 * The same package at two paths (two node_modules copies, a JAR twice) has one ID and two UIDs: a vulnerability
 * belongs to the copy whose UID it names.
 */
const uidKey = (uid: string | undefined) => (uid ? `uid:${uid}` : undefined);

/**
 * Which packages hang from the holder, as Trivy draws it: the project's own root package where there is one, else
 * the direct dependencies, else (no relationships known) every package nothing else depends on.
 */
function topLevel(packages: TrivyPackage[], dependedOn: Set<string>): (pkg: TrivyPackage) => boolean {
  if (packages.some((p) => p.Relationship === 'root')) return (p) => p.Relationship === 'root';
  if (packages.some((p) => p.Relationship)) return (p) => p.Relationship === 'direct';
  return (p) => !dependedOn.has(keyOf(p.ID, p.Name, p.Version));
}

/** A result's packages as components, with their DependsOn as the graph; the top level hangs from the holder. */
function addPackages(bom: Models.Bom, result: TrivyResult, holder: Models.Component, refs: BomRefs) {
  const byKey = new Map<string, Models.Component>();
  const packages = result.Packages ?? [];
  for (const pkg of packages) {
    const component = packageComponent(pkg, result.Type, refs);
    bom.components.add(component);
    byKey.set(keyOf(pkg.ID, pkg.Name, pkg.Version), component);
    const uid = uidKey(pkg.Identifier?.UID);
    if (uid) byKey.set(uid, component);
  }
  const dependedOn = new Set<string>();
  for (const pkg of packages) {
    const from = byKey.get(keyOf(pkg.ID, pkg.Name, pkg.Version));
    for (const id of pkg.DependsOn ?? []) {
      const to = byKey.get(id);
      if (from && to) from.dependencies.add(to.bomRef);
      dependedOn.add(id);
    }
  }
  const isTop = topLevel(packages, dependedOn);
  for (const pkg of packages.filter(isTop)) {
    const component = byKey.get(keyOf(pkg.ID, pkg.Name, pkg.Version));
    if (component) holder.dependencies.add(component.bomRef);
  }
  return byKey;
}

/** Trivy's vendor severities: 0 unknown … 4 critical. */
const VENDOR_SEVERITY = [
  VulnEnums.Severity.Unknown,
  VulnEnums.Severity.Low,
  VulnEnums.Severity.Medium,
  VulnEnums.Severity.High,
  VulnEnums.Severity.Critical,
];

/** One rating per vendor (as Trivy writes them): its CVSS scores with the vendor's severity, else the severity. */
function ratingsOf(vuln: TrivyVulnerability): Models.Vulnerability.Rating[] {
  const ratings: Models.Vulnerability.Rating[] = [];
  for (const vendor of Object.keys(vuln.VendorSeverity ?? {}).sort()) {
    const severity = VENDOR_SEVERITY[vuln.VendorSeverity?.[vendor] ?? 0] ?? VulnEnums.Severity.Unknown;
    const source = new Models.Vulnerability.Source({ name: vendor });
    const cvss = vuln.CVSS?.[vendor];
    const scores = [
      { score: cvss?.V40Score, vector: cvss?.V40Vector, method: VulnEnums.RatingMethod.CVSSv4 },
      {
        score: cvss?.V3Score,
        vector: cvss?.V3Vector,
        method: cvss?.V3Vector?.startsWith('CVSS:3.1/')
          ? VulnEnums.RatingMethod.CVSSv31
          : VulnEnums.RatingMethod.CVSSv3,
      },
      { score: cvss?.V2Score, vector: cvss?.V2Vector, method: VulnEnums.RatingMethod.CVSSv2 },
    ].filter((s) => s.score !== undefined && s.vector);
    if (scores.length === 0) ratings.push(new Models.Vulnerability.Rating({ source, severity }));
    for (const s of scores) ratings.push(new Models.Vulnerability.Rating({ source, severity, ...s }));
  }
  return ratings;
}

function vulnerabilityOf(vuln: TrivyVulnerability, id: string): Models.Vulnerability.Vulnerability {
  const source = vuln.DataSource?.ID
    ? new Models.Vulnerability.Source({
        name: vuln.DataSource.ID,
        ...(vuln.DataSource.URL ? { url: vuln.DataSource.URL } : {}),
      })
    : undefined;
  const entry = new Models.Vulnerability.Vulnerability({
    id,
    ...(source ? { source } : {}),
    ...(vuln.Description ? { description: vuln.Description } : {}),
    ...(vuln.FixedVersion ? { recommendation: `Upgrade ${vuln.PkgName ?? ''} to version ${vuln.FixedVersion}` } : {}),
    ...(vuln.PublishedDate ? { published: new Date(vuln.PublishedDate) } : {}),
    ...(vuln.LastModifiedDate ? { updated: new Date(vuln.LastModifiedDate) } : {}),
  });
  for (const rating of ratingsOf(vuln)) entry.ratings.add(rating);
  for (const cwe of vuln.CweIDs ?? []) {
    const number = /^CWE-(\d+)$/.exec(cwe)?.[1];
    if (number) entry.cwes.add(Number(number));
  }
  if (vuln.PrimaryURL) entry.advisories.add(new Models.Vulnerability.Advisory(vuln.PrimaryURL));
  return entry;
}

/** One entry per vulnerability id, affecting every package it was found in (as Trivy merges them). */
function addVulnerabilities(
  bom: Models.Bom,
  result: TrivyResult,
  byId: Map<string, Models.Component>,
  seen: Map<string, Models.Vulnerability.Vulnerability>,
) {
  for (const vuln of result.Vulnerabilities ?? []) {
    const id = vuln.VulnerabilityID;
    const component =
      byId.get(uidKey(vuln.PkgIdentifier?.UID) ?? '') ??
      byId.get(keyOf(vuln.PkgID, vuln.PkgName, vuln.InstalledVersion));
    if (!id || !component) continue;
    let entry = seen.get(id);
    if (!entry) {
      entry = vulnerabilityOf(vuln, id);
      seen.set(id, entry);
      bom.vulnerabilities.add(entry);
    }
    const version = vuln.InstalledVersion
      ? [
          new Models.Vulnerability.AffectedSingleVersion(vuln.InstalledVersion, {
            status: VulnEnums.AffectStatus.Affected,
          }),
        ]
      : [];
    entry.affects.add(
      new Models.Vulnerability.Affect(component.bomRef, {
        versions: new Models.Vulnerability.AffectedVersionRepository(version),
      }),
    );
  }
}

/** The SBOM's JSON text for one report; `name` is the subject's name in every output (the image, not a runner path). */
export function cyclonedxFromReport(
  report: TrivyReportForSbom,
  args: { name: string; now: Date; toolVersion: string },
): string {
  const bom = new Models.Bom({ serialNumber: `urn:uuid:${randomUUID()}` });
  const refs = new BomRefs();
  const isImage = report.ArtifactType === 'container_image';
  const subject = new Models.Component(isImage ? ComponentType.Container : ComponentType.Application, args.name, {
    bomRef: refs.next(undefined),
  });
  property(subject, 'ImageID', report.Metadata?.ImageID);
  for (const diffId of report.Metadata?.DiffIDs ?? []) property(subject, 'DiffID', diffId);
  for (const tag of report.Metadata?.RepoTags ?? []) property(subject, 'RepoTag', tag);
  property(subject, 'SchemaVersion', '2');
  bom.metadata.component = subject;
  bom.metadata.timestamp = args.now;
  bom.metadata.tools.components.add(
    new Models.Component(ComponentType.Application, 'vulngate', { version: args.toolVersion }),
  );
  if (report.Trivy?.Version) {
    bom.metadata.tools.components.add(
      new Models.Component(ComponentType.Application, 'trivy', {
        group: 'aquasecurity',
        version: report.Trivy.Version,
      }),
    );
  }
  const seen = new Map<string, Models.Vulnerability.Vulnerability>();
  for (const result of report.Results ?? []) {
    if ((result.Packages ?? []).length === 0) continue;
    const holder = holderOf(result, subject, refs, report.Metadata?.OS?.Name);
    if (holder !== subject) bom.components.add(holder);
    addVulnerabilities(bom, result, addPackages(bom, result, holder, refs), seen);
  }
  const serializer = new JsonSerializer(new JsonNormalize.Normalize.Factory(Spec1dot7));
  return `${serializer.serialize(bom, { sortLists: false, space: 2 })}\n`;
}
