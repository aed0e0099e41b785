import type { DefectDojoOptions } from '../../../config/settings.js';
import type { TargetKind } from '../../../core/finding.js';
import type { Logger } from '../../../core/logger.js';
import { httpClient, joinUrl, type HttpClient, type HttpFailure } from '../../../lib/http.js';
import { HttpError, type RetryPolicy } from '../../../lib/retry.js';
import { imageTag, imageWithoutTag, stableReport } from './report.js';

/** The options as read from inputs, plus what a run adds. */
export interface DefectDojoSettings extends DefectDojoOptions {
  scanDate: string;
  retry: RetryPolicy;
  timeoutMs: number;
}

export interface DefectDojoUpload {
  image: string;
  /** The target's one identity (core/identity.ts): its test. Older spool entries have none. */
  identity?: string;
  /** Images are one test per repository across tags; a code directory or SBOM is one test under its path. */
  kind?: TargetKind;
  /** Trivy's JSON report for the image. */
  reportText: string;
}

export interface DefectDojoDelivery {
  delivered: string[];
  undelivered: { upload: DefectDojoUpload; reason: string }[];
}

/**
 * DefectDojo's model limits (dojo/models.py: Engagement and Test build_id, commit_hash and branch_tag 150,
 * source_code_management_uri 600, versions 100; names and titles 255): a longer value makes the import fail with
 * a 500 and the image's findings undelivered, so each is cut to fit.
 */
const DD_LIMITS: Record<string, number> = {
  product_type_name: 255,
  product_name: 255,
  engagement_name: 255,
  test_title: 255,
  service: 200,
  version: 100,
  commit_hash: 150,
  branch_tag: 150,
  build_id: 150,
  source_code_management_uri: 600,
};

function formFor(settings: DefectDojoSettings, upload: DefectDojoUpload): FormData {
  const form = new FormData();
  const isImage = (upload.kind ?? 'image') === 'image';
  const repository = isImage ? imageWithoutTag(upload.image) : upload.image;
  const fields: [string, string | undefined][] = [
    ['scan_type', 'Trivy Scan'],
    ['auto_create_context', 'true'],
    ['product_type_name', settings.productType],
    ['product_name', settings.product],
    ['engagement_name', settings.engagement],
    // One test per target identity: a new tag of the same image reimports into it and closes what it fixed, and
    // several images of one repository (org/app:api, org/app:web) stay several tests.
    ['test_title', upload.identity ?? repository],
    ['service', repository],
    ['close_old_findings', String(settings.closeOldFindings)],
    ['minimum_severity', settings.minimumSeverity],
    ['active', String(settings.active ?? true)],
    ['verified', String(settings.verified ?? false)],
    ['scan_date', settings.scanDate],
    ['version', settings.version || (isImage ? imageTag(upload.image) : undefined)],
    ['commit_hash', settings.commit],
    ['branch_tag', settings.branch],
    ['build_id', settings.buildId],
    ['source_code_management_uri', settings.repositoryUrl],
  ];
  for (const [name, value] of fields) {
    if (value === undefined || value === '') continue;
    const limit = DD_LIMITS[name];
    form.append(name, limit === undefined || value.length <= limit ? value : value.slice(0, limit));
  }
  for (const tag of settings.tags) form.append('tags', tag);
  const fileName = `${upload.image.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
  form.append(
    'file',
    new Blob([stableReport(upload.reportText, upload.image)], { type: 'application/json' }),
    fileName,
  );
  return form;
}

function fieldErrors(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A redirect (to a login page, or http → https) is not an import, and following it would resend the token: not
 * followed, and said so.
 */
function describeFailure({ status, body, redirectTo }: HttpFailure): string {
  if (redirectTo === undefined) return describeDefectDojoError(status, body);
  return (
    `DefectDojo answered ${status}, a redirect${redirectTo ? ` to ${redirectTo}` : ''}, which was not followed; ` +
    "check defectdojo-url (https, and the API's own address)"
  );
}

/** DefectDojo answers 400 with a list (["…"]) or an object ({"field": ["…"]}), 401/403 with {"detail": "…"}. */
export function describeDefectDojoError(status: number, bodyText: string): string {
  let detail = bodyText.trim().slice(0, 300);
  try {
    const body = JSON.parse(bodyText) as unknown;
    if (Array.isArray(body)) detail = body.map(String).join('; ');
    else if (body && typeof body === 'object') {
      const record = body as Record<string, unknown>;
      detail =
        typeof record.detail === 'string'
          ? record.detail
          : Object.entries(record)
              .map(([k, v]) => `${k}: ${fieldErrors(v)}`)
              .join('; ');
    }
  } catch {
    // not JSON: keep the text (an HTML error page from a proxy, say), shortened
  }
  switch (status) {
    case 400:
      return `DefectDojo rejected the import (400): ${detail}`;
    case 401:
    case 403:
      return (
        `DefectDojo refused the token (${status}): ${detail || 'no detail'}; check defectdojo-token and ` +
        `the user's permissions (import scan results)`
      );
    case 404:
      return `DefectDojo has no /api/v2/reimport-scan/ here (404); check defectdojo-url`;
    case 413:
      return (
        `DefectDojo refused the report as too large (413); raise its upload limit or set ` +
        `defectdojo-minimum-severity`
      );
    default:
      return `DefectDojo answered ${status}: ${detail || 'no detail'}`;
  }
}

/** Only DefectDojo's own success answer counts: JSON naming the test it imported into. */
function importedTest(text: string): number | undefined {
  try {
    const body = JSON.parse(text) as { test?: unknown; test_id?: unknown };
    const id = body.test_id ?? body.test;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

async function postImport(http: HttpClient, endpoint: string, settings: DefectDojoSettings, upload: DefectDojoUpload) {
  const answer = await http.send({
    method: 'POST',
    url: endpoint,
    headers: { Accept: 'application/json' },
    body: formFor(settings, upload),
    describe: describeFailure,
  });
  if (importedTest(answer.text()) === undefined) {
    throw new HttpError(
      `DefectDojo answered ${answer.status} without naming a test: ` +
        "not DefectDojo's reimport API; check defectdojo-url",
      422,
    );
  }
}

/** One reimport per image, so each image is one DefectDojo test whose closed findings are tracked. Never throws. */
export async function importToDefectDojo(args: {
  settings: DefectDojoSettings;
  uploads: DefectDojoUpload[];
  logger: Logger;
}): Promise<DefectDojoDelivery> {
  const { settings, logger } = args;
  const endpoint = joinUrl(settings.url, '/api/v2/reimport-scan/');
  const http = httpClient({
    service: 'DefectDojo',
    credential: { origin: settings.url, headers: { Authorization: `Token ${settings.token}` } },
    retry: settings.retry,
    timeoutMs: settings.timeoutMs,
  });
  const delivery: DefectDojoDelivery = { delivered: [], undelivered: [] };
  let refused: string | undefined;
  for (const upload of args.uploads) {
    // A refused token is refused for every image: not sent again, one cause.
    if (refused !== undefined) {
      delivery.undelivered.push({ upload, reason: refused });
      continue;
    }
    try {
      await postImport(http, endpoint, settings, upload);
      delivery.delivered.push(upload.image);
      logger.info(`DefectDojo: imported ${upload.image} into ${settings.product} / ${settings.engagement}`);
    } catch (err) {
      // The client's texts: redacted, and saying `DefectDojo did not answer` when it did not.
      const reason = http.redact(err instanceof Error ? err.message : String(err));
      delivery.undelivered.push({ upload, reason });
      if (err instanceof HttpError && (err.status === 401 || err.status === 403)) refused = reason;
    }
  }
  return delivery;
}
