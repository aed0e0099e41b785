// Writes saved-objects.ndjson: the index pattern, the overview dashboard's visualizations, the dashboard and the
// "critical findings" saved search, for Kibana 8 and OpenSearch Dashboards 2 (Saved Objects import). Each
// visualization's query and aggregation is in VISUALIZATIONS below, so the tests can run it against a real index.
// Run: node deploy/elasticsearch/saved-objects.mjs (the tests check the file is what this writes).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const INDEX_PATTERN = { id: 'vulngate-findings', title: 'vulngate-findings*', timeField: '@timestamp' };

const findings = 'type:finding';
/** id, title, Lucene query, and the terms the chart splits by (none: a count). */
export const VISUALIZATIONS = [
  {
    id: 'vulngate-blocking-by-severity',
    title: 'Blocking findings by severity',
    query: `${findings} AND decision:blocking`,
    terms: 'vulnerability.severity',
    chart: 'pie',
  },
  {
    id: 'vulngate-blocking-by-repository',
    title: 'Blocking findings by repository',
    query: `${findings} AND decision:blocking`,
    terms: 'repository',
    chart: 'horizontal_bar',
  },
  {
    id: 'vulngate-blocking-over-time',
    title: 'Blocking findings over time, by severity',
    query: `${findings} AND decision:blocking`,
    terms: 'vulnerability.severity',
    chart: 'histogram',
    overTime: true,
  },
  {
    id: 'vulngate-new-this-week',
    title: 'New findings this week',
    query: `${findings} AND change:new AND @timestamp:[now-7d TO now]`,
    chart: 'metric',
  },
  {
    id: 'vulngate-top-cves',
    title: 'Top CVEs (blocking)',
    query: `${findings} AND decision:blocking`,
    terms: 'vulnerability.id',
    chart: 'table',
  },
  {
    id: 'vulngate-top-packages',
    title: 'Top packages (blocking)',
    query: `${findings} AND decision:blocking`,
    terms: 'package.name',
    chart: 'table',
  },
  {
    id: 'vulngate-expiring-exceptions',
    title: 'Exceptions expiring in 30 days',
    query: `${findings} AND decision:excepted AND exceptionUntil:[now TO now+30d]`,
    terms: 'vulnerability.id',
    chart: 'table',
  },
  {
    id: 'vulngate-eol-images',
    title: 'Images on an end-of-life OS',
    query: 'type:image-summary AND osEndOfLife:true',
    terms: 'container.image.name',
    chart: 'table',
  },
];

export const SAVED_SEARCH = {
  id: 'vulngate-critical-findings',
  title: 'Critical findings',
  query: `${findings} AND vulnerability.severity:CRITICAL`,
  columns: [
    'container.image.name',
    'vulnerability.id',
    'package.name',
    'package.version',
    'fixedVersion',
    'decision',
    'repository',
  ],
};

const searchSource = (query) =>
  JSON.stringify({
    query: { language: 'lucene', query },
    filter: [],
    indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index',
  });
const indexReference = [
  { name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: INDEX_PATTERN.id },
];

function aggsOf(v) {
  const aggs = [{ id: '1', enabled: true, type: 'count', schema: 'metric', params: {} }];
  if (v.overTime) {
    const params = { field: '@timestamp', interval: 'd', min_doc_count: 1 };
    aggs.push({ id: '3', enabled: true, type: 'date_histogram', schema: 'segment', params });
  }
  const schema = v.overTime ? 'group' : v.chart === 'table' ? 'bucket' : 'segment';
  if (v.terms) {
    const params = { field: v.terms, size: 20, order: 'desc', orderBy: '1' };
    aggs.push({ id: '2', enabled: true, type: 'terms', schema, params });
  }
  return aggs;
}

function visualization(v) {
  const type = v.chart === 'metric' ? 'metric' : v.chart;
  const visState = { title: v.title, type, params: { addTooltip: true, addLegend: true }, aggs: aggsOf(v) };
  return {
    id: v.id,
    type: 'visualization',
    attributes: {
      title: v.title,
      visState: JSON.stringify(visState),
      uiStateJSON: '{}',
      description: '',
      version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: searchSource(v.query) },
    },
    references: indexReference,
  };
}

export function savedObjects() {
  const indexPattern = {
    id: INDEX_PATTERN.id,
    type: 'index-pattern',
    attributes: { title: INDEX_PATTERN.title, timeFieldName: INDEX_PATTERN.timeField },
    references: [],
  };
  const panels = VISUALIZATIONS.map((v, i) => ({
    panelIndex: String(i + 1),
    gridData: { x: (i % 2) * 24, y: Math.floor(i / 2) * 15, w: 24, h: 15, i: String(i + 1) },
    embeddableConfig: {},
    panelRefName: `panel_${i}`,
  }));
  const dashboard = {
    id: 'vulngate-overview',
    type: 'dashboard',
    attributes: {
      title: 'vulngate: overview of vulnerabilities',
      description:
        'Blocking findings by severity and repository over time, new this week, top CVEs and packages, ' +
        'expiring exceptions, images on end-of-life OS',
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify({ useMargins: true, hidePanelTitles: false }),
      timeRestore: true,
      timeFrom: 'now-30d',
      timeTo: 'now',
      version: 1,
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { language: 'lucene', query: '' }, filter: [] }),
      },
    },
    references: VISUALIZATIONS.map((v, i) => ({ name: `panel_${i}`, type: 'visualization', id: v.id })),
  };
  const search = {
    id: SAVED_SEARCH.id,
    type: 'search',
    attributes: {
      title: SAVED_SEARCH.title,
      columns: SAVED_SEARCH.columns,
      sort: [['@timestamp', 'desc']],
      version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: searchSource(SAVED_SEARCH.query) },
    },
    references: indexReference,
  };
  return [indexPattern, ...VISUALIZATIONS.map(visualization), dashboard, search];
}

export const NDJSON =
  savedObjects()
    .map((o) => JSON.stringify(o))
    .join('\n') + '\n';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'saved-objects.ndjson'), NDJSON);
}
