import { readFile } from 'node:fs/promises';
import type { DefectDojoOptions } from '../../../config/settings.js';
import { TARGET_KINDS, type JudgedFinding, type TargetKind } from '../../../core/finding.js';
import { groupBy } from '../../../core/collections.js';
import { DEFAULT_RETRY } from '../../../lib/retry.js';
import type { Receiver, SpoolEntry } from '../../receiver.js';
import { ENTRY_FIELDS, namesMoreThanWhat, unexpectedKeys } from '../../spool.js';
import { importToDefectDojo, type DefectDojoUpload } from './import.js';
import { withExceptions } from './report.js';

/**
 * Everything about an import but where it goes and what it may do there: the URL, the token, the product and
 * whether it closes old findings are the sending job's settings only (at replay, the replaying job's).
 */
export type StoredDefectDojoSettings = Omit<
  DefectDojoOptions,
  'url' | 'token' | 'productType' | 'product' | 'closeOldFindings'
> & { scanDate: string };

export interface DefectDojoEntry extends SpoolEntry {
  sink: 'defectdojo';
  settings: StoredDefectDojoSettings;
  /** Each report is a file beside the entry; `kind` since code directories are scanned (before it: images). */
  /** `identity`: the target's one identity (core/identity.ts), its test; entries before it have none. */
  uploads: { image: string; identity?: string; kind?: TargetKind; reportFile: string }[];
}

const SETTINGS_FIELDS: readonly (keyof StoredDefectDojoSettings)[] = [
  'engagement',
  'minimumSeverity',
  'tags',
  'version',
  'commit',
  'branch',
  'buildId',
  'repositoryUrl',
  'active',
  'verified',
  'scanDate',
];

function stored(options: DefectDojoOptions, scanDate: string): StoredDefectDojoSettings {
  const {
    url: _url,
    token: _token,
    productType: _type,
    product: _product,
    closeOldFindings: _close,
    ...rest
  } = options;
  return { ...rest, scanDate };
}

/** One line per cause, naming the images it stopped: a bad token is one line, not one per image. */
function byCause(undelivered: { upload: DefectDojoUpload; reason: string }[]): Map<string, string[]> {
  const causes = new Map<string, string[]>();
  for (const [cause, list] of groupBy(undelivered, (u) => u.reason))
    causes.set(
      cause,
      list.map((u) => u.upload.image),
    );
  return causes;
}

/** Written ahead, as for SQS: every import is in the spool before the first is sent, and leaves it when confirmed. */
export const defectDojoReceiver: Receiver<DefectDojoEntry> = {
  name: 'defectdojo',
  stage: 'records',

  async plan(run, context) {
    const options = run.options.defectDojo;
    if (!options) return undefined;
    // Excepted findings grouped once, not filtered again for every image.
    const excepted = groupBy(
      run.results.findings.filter((f) => f.decision === 'excepted'),
      (f: JudgedFinding) => f.image,
    );
    const files: { name: string; text: string }[] = [];
    const uploads: DefectDojoEntry['uploads'] = [];
    const identities = new Map(run.results.images.map((i) => [i.name, i.stableName]));
    for (const [i, report] of run.reports.entries()) {
      const reportFile = `defectdojo-${run.spoolId}/${String(i + 1).padStart(3, '0')}.json`;
      const text = await readFile(report.reportPath, 'utf8');
      files.push({ name: reportFile, text: withExceptions(text, excepted.get(report.image) ?? []) });
      uploads.push({ image: report.image, identity: identities.get(report.image), kind: report.kind, reportFile });
    }
    const settings = stored(options, context.now.toISOString().slice(0, 10));
    const createdAt = context.now.toISOString();
    return {
      entry: { version: 1, sink: 'defectdojo', createdAt, reasons: ['not sent yet'], settings, uploads },
      files,
    };
  },

  async send(entry, to, context) {
    const { url, token, productType, product, closeOldFindings } = to.defectDojo ?? {};
    if (!token)
      return { status: 'skipped', message: 'a DefectDojo token is needed to send it (VULNGATE_DEFECTDOJO_TOKEN)' };
    if (!url) return { status: 'skipped', message: 'a DefectDojo URL is needed to send it (VULNGATE_DEFECTDOJO_URL)' };
    if (!productType || !product)
      return { status: 'skipped', message: 'DefectDojo: defectdojo-product-type and defectdojo-product are needed' };
    const uploads: DefectDojoUpload[] = [];
    for (const upload of entry.uploads) {
      // Inside the spool by its real path, and no link: checked again as it is read.
      const reportText = await context.spool.read(upload.reportFile);
      uploads.push({ image: upload.image, identity: upload.identity, kind: upload.kind ?? 'image', reportText });
    }
    const settings = {
      ...entry.settings,
      url,
      token,
      productType,
      product,
      closeOldFindings: closeOldFindings ?? false,
      retry: context.retry ?? DEFAULT_RETRY,
      timeoutMs: context.timeoutMs ?? 120_000,
    };
    const delivery = await importToDefectDojo({ settings, uploads, logger: context.logger });
    if (delivery.undelivered.length === 0) {
      return { status: 'delivered', message: `DefectDojo: imported ${delivery.delivered.length} report(s)` };
    }
    const causes = byCause(delivery.undelivered);
    for (const [cause, images] of causes) context.logger.warning(`DefectDojo: ${cause} (${images.join(', ')})`);
    const failed = new Set(delivery.undelivered.map((u) => uploads.indexOf(u.upload)));
    return {
      status: 'failed',
      message: `DefectDojo: ${delivery.undelivered.length} import(s) not delivered`,
      left: { ...entry, reasons: [...causes.keys()], uploads: entry.uploads.filter((_, i) => failed.has(i)) },
    };
  },

  check(entry, spool) {
    const extra = unexpectedKeys(entry, [...ENTRY_FIELDS, 'settings', 'uploads']);
    const settings = entry.settings as Record<string, unknown> | null;
    if (typeof settings !== 'object' || settings === null || !Array.isArray(entry.uploads)) {
      return extra.length > 0 ? namesMoreThanWhat(extra) : 'a DefectDojo entry without uploads';
    }
    extra.push(...unexpectedKeys(settings, SETTINGS_FIELDS).map((key) => `settings.${key}`));
    if (extra.length > 0) return namesMoreThanWhat(extra);
    const uploads = entry.uploads as { image?: unknown; identity?: unknown; kind?: unknown; reportFile?: unknown }[];
    if (
      uploads.some(
        (u) =>
          typeof u.image !== 'string' ||
          (u.identity !== undefined && typeof u.identity !== 'string') ||
          (u.kind !== undefined && !TARGET_KINDS.includes(u.kind as TargetKind)),
      )
    )
      return 'a DefectDojo entry without uploads';
    const outside = uploads.find((u) => spool.file(u.reportFile) === undefined);
    return outside ? 'it names a report file outside the spool directory' : undefined;
  },

  attachments: (entry) => entry.uploads.map((u) => u.reportFile),

  secrets: (to) => [to.defectDojo?.token],
};
