// A DefectDojo API v2 stand-in on 127.0.0.1 for /api/v2/import-scan/ and /api/v2/reimport-scan/: token auth,
// multipart fields and which are required, auto_create_context rules, DefectDojo's error shapes, and a Trivy parser
// that reads the uploaded file the way DefectDojo's does (SchemaVersion 2, PkgName required, title "<id> <pkg>
// <version>").
import { createServer, type IncomingMessage } from 'node:http';

export interface DojoTest {
  id: number;
  productType: string;
  product: string;
  engagement: string;
  title: string;
  service: string;
  open: Set<string>;
  closed: Set<string>;
  imports: number;
}

export interface DojoRequest {
  path: string;
  status: number;
  fields: Record<string, string[]>;
  fileName?: string;
  fileText?: string;
}

export interface DefectDojoFake {
  url: string;
  tests: DojoTest[];
  requests: DojoRequest[];
  /** Scripted answers for the next requests, before any checking: a status and body, or a hang (timeout). */
  script(...answers: ({ status: number; body: string; headers?: Record<string, string> } | 'hang')[]): void;
  maxUploadBytes: number;
  close(): Promise<void>;
}

const SEVERITY: Record<string, string> = {
  CRITICAL: 'Critical',
  HIGH: 'High',
  MEDIUM: 'Medium',
  LOW: 'Low',
  UNKNOWN: 'Info',
};
const ORDER = ['Info', 'Low', 'Medium', 'High', 'Critical'];

/** DefectDojo's Trivy parser, reduced to what identifies findings: title and severity. */
export function parseTrivyForDojo(text: string): { title: string; severity: string; component: string }[] {
  const data = JSON.parse(text) as {
    SchemaVersion?: number;
    Results?: { Target?: string; Vulnerabilities?: Record<string, unknown>[] }[];
  };
  if (data.SchemaVersion !== 2) throw new Error('Schema version not supported');
  const out = [];
  for (const result of data.Results ?? []) {
    for (const v of result.Vulnerabilities ?? []) {
      if (typeof v.PkgName !== 'string') throw new Error("'PkgName'");
      out.push({
        title: `${v.VulnerabilityID} ${v.PkgName} ${v.InstalledVersion ?? ''}`.trim(),
        severity: SEVERITY[String(v.Severity)] ?? 'Info',
        component: v.PkgName,
      });
    }
  }
  return out;
}

async function formOf(req: IncomingMessage, body: Buffer): Promise<FormData> {
  const request = new Request('http://dojo.local/', {
    method: 'POST',
    headers: { 'content-type': String(req.headers['content-type'] ?? '') },
    body,
  });
  return request.formData();
}

export async function startDefectDojoFake(opts: { token: string }): Promise<DefectDojoFake> {
  const productTypes = new Set<string>();
  const products = new Map<string, string>();
  const tests: DojoTest[] = [];
  const requests: DojoRequest[] = [];
  const scripted: ({ status: number; body: string; headers?: Record<string, string> } | 'hang')[] = [];
  let nextId = 1;
  const state = { maxUploadBytes: 10 * 1024 * 1024 };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const record: DojoRequest = { path, status: 0, fields: {} };
    requests.push(record);
    const json = (status: number, payload: unknown) => {
      record.status = status;
      res
        .writeHead(status, { 'content-type': 'application/json', allow: 'POST, OPTIONS' })
        .end(JSON.stringify(payload));
    };
    const next = scripted.shift();
    if (next === 'hang') return; // never answers: the client's timeout must fire
    if (next) {
      record.status = next.status;
      return res
        .writeHead(next.status, {
          'content-type': next.body.startsWith('<') ? 'text/html' : 'application/json',
          ...next.headers,
        })
        .end(next.body);
    }
    if (path !== '/api/v2/reimport-scan/' && path !== '/api/v2/import-scan/')
      return json(404, { detail: 'Not found.' });
    if (req.method !== 'POST') return json(405, { detail: `Method "${req.method}" not allowed.` });
    const auth = req.headers.authorization;
    if (!auth) return json(401, { detail: 'Authentication credentials were not provided.' });
    if (auth !== `Token ${opts.token}`) return json(403, { detail: 'Invalid token.' });
    if (body.length > state.maxUploadBytes) {
      record.status = 413;
      return res
        .writeHead(413, { 'content-type': 'text/html' })
        .end('<html><head><title>413 Request Entity Too Large</title></head></html>');
    }
    let form: FormData;
    try {
      form = await formOf(req, body);
    } catch {
      return json(400, { detail: 'Multipart form parse error - Invalid boundary in multipart: None' });
    }
    for (const [k, v] of form.entries()) {
      if (typeof v === 'string') (record.fields[k] ??= []).push(v);
    }
    const field = (k: string) => record.fields[k]?.[0] ?? '';
    const file = form.get('file');
    if (typeof file === 'object' && file !== null) {
      record.fileName = (file as File).name;
      record.fileText = await (file as File).text();
    }
    // Field-level errors: an object keyed by field.
    const fieldErrors: Record<string, string[]> = {};
    if (field('scan_type') === '') fieldErrors.scan_type = ['This field is required.'];
    else if (field('scan_type') !== 'Trivy Scan')
      fieldErrors.scan_type = [`"${field('scan_type')}" is not a valid choice.`];
    if (!record.fileText) fieldErrors.file = ['No file was submitted.'];
    const minimum = field('minimum_severity');
    if (minimum && !ORDER.includes(minimum)) fieldErrors.minimum_severity = [`"${minimum}" is not a valid choice.`];
    for (const b of ['auto_create_context', 'close_old_findings', 'active', 'verified']) {
      if (field(b) && !['true', 'false'].includes(field(b))) fieldErrors[b] = ['Must be a valid boolean.'];
    }
    if (field('scan_date') && !/^\d{4}-\d{2}-\d{2}$/.test(field('scan_date')))
      fieldErrors.scan_date = ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'];
    if (Object.keys(fieldErrors).length > 0) return json(400, fieldErrors);

    // Context errors: a list of messages.
    const autoCreate = field('auto_create_context') === 'true';
    const product = field('product_name');
    const engagement = field('engagement_name');
    if (!product || !engagement)
      return json(400, ['product_name and engagement_name are required when no test id is given']);
    if (!products.has(product)) {
      if (!autoCreate) return json(400, [`Product '${product}' doesn't exist`]);
      if (!field('product_type_name'))
        return json(400, ['Product Type name must be provided to auto create the product']);
      productTypes.add(field('product_type_name'));
      products.set(product, field('product_type_name'));
    }
    let parsed: ReturnType<typeof parseTrivyForDojo>;
    try {
      parsed = parseTrivyForDojo(record.fileText!);
    } catch (err) {
      return json(400, [`Trivy report could not be parsed: ${(err as Error).message}`]);
    }
    const minRank = minimum ? ORDER.indexOf(minimum) : 0;
    const titles = new Set(parsed.filter((f) => ORDER.indexOf(f.severity) >= minRank).map((f) => f.title));
    const title = field('test_title') || 'Trivy Scan';
    // Reimport matches the test by engagement, scan type and title; import always makes a new test.
    let test = path.endsWith('/reimport-scan/')
      ? tests.find((t) => t.product === product && t.engagement === engagement && t.title === title)
      : undefined;
    const before = test ? test.open.size : 0;
    let created = 0;
    let closed = 0;
    if (!test) {
      test = {
        id: nextId++,
        productType: products.get(product)!,
        product,
        engagement,
        title,
        service: field('service'),
        open: new Set(),
        closed: new Set(),
        imports: 0,
      };
      tests.push(test);
    }
    for (const t of titles) if (!test.open.has(t)) created += 1;
    if (field('close_old_findings') === 'true') {
      for (const t of [...test.open]) {
        if (!titles.has(t)) {
          test.open.delete(t);
          test.closed.add(t);
          closed += 1;
        }
      }
    }
    for (const t of titles) test.open.add(t);
    test.imports += 1;
    return json(201, {
      scan_date: field('scan_date') || null,
      minimum_severity: minimum || 'Info',
      active: field('active') !== 'false',
      verified: field('verified') === 'true',
      scan_type: 'Trivy Scan',
      test: test.id,
      test_id: test.id,
      engagement_id: 1,
      product_id: 1,
      product_type_id: 1,
      statistics: {
        before: { total: before },
        delta: { created: { total: created }, closed: { total: closed } },
        after: { total: test.open.size },
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    tests,
    requests,
    script: (...answers: ({ status: number; body: string; headers?: Record<string, string> } | 'hang')[]) =>
      void scripted.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
