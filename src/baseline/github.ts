import { Readable } from 'node:stream';
import unzip from 'unzip-stream';
import { requestJson } from '../lib/http.js';
import { HttpError, retry, type RetryPolicy } from '../lib/retry.js';
import { OUTPUT_FILES } from '../core/results.js';

/** The default branch's newest audit artifact of this job, as the Actions REST API lists it. */
export interface GitHubArtifactQuery {
  apiUrl: string;
  token: string;
  owner: string;
  repo: string;
  /** This job's audit artifact name (unique per job and its scanned targets). */
  artifactName: string;
  branch: string;
  /** This run: its own artifact is not its baseline. */
  runId: string;
  retry: RetryPolicy;
  timeoutMs: number;
}

interface ListedArtifact {
  id: number;
  expired: boolean;
  created_at: string;
  archive_download_url: string;
  workflow_run?: { id?: number; head_branch?: string };
}

/** A results record and where it came from, or why there is none. */
export type FoundRecord = { text: string; source: string } | { none: string };

const PAGE_SIZE = 100;
/** Bounded: a repository with thousands of runs of one job is read back ten pages at most. */
const MAX_PAGES = 10;

function headers(token: string): Record<string, string> {
  return {
    Authorization: `Bearer ${token}`,
    Accept: 'application/vnd.github+json',
    'X-GitHub-Api-Version': '2022-11-28',
  };
}

/** Newest first: the listing's order is not documented, so it is sorted here. */
async function candidates(q: GitHubArtifactQuery): Promise<ListedArtifact[]> {
  const base = `${q.apiUrl.replace(/\/+$/, '')}/repos/${q.owner}/${q.repo}/actions/artifacts`;
  const found: ListedArtifact[] = [];
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const url = `${base}?name=${encodeURIComponent(q.artifactName)}&per_page=${PAGE_SIZE}&page=${page}`;
    const { json } = await requestJson({
      method: 'GET',
      url,
      headers: headers(q.token),
      retry: q.retry,
      timeoutMs: q.timeoutMs,
      describe: (status) => `GitHub answered ${status} listing artifacts`,
    });
    const body = json as { artifacts?: ListedArtifact[] };
    const artifacts = Array.isArray(body.artifacts) ? body.artifacts : [];
    found.push(...artifacts);
    if (artifacts.length < PAGE_SIZE) break;
  }
  return found
    .filter((a) => !a.expired && a.workflow_run?.head_branch === q.branch && String(a.workflow_run.id) !== q.runId)
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
}

/**
 * The zip behind archive_download_url is a redirect to blob storage: followed by hand, so the token is sent to
 * GitHub only, never to the storage host.
 */
async function download(artifact: ListedArtifact, q: GitHubArtifactQuery): Promise<Buffer> {
  const first = await fetch(artifact.archive_download_url, {
    headers: headers(q.token),
    redirect: 'manual',
    signal: AbortSignal.timeout(q.timeoutMs),
  });
  const location = first.headers.get('location');
  const response =
    first.status >= 300 && first.status < 400 && location
      ? await fetch(new URL(location, artifact.archive_download_url), { signal: AbortSignal.timeout(q.timeoutMs) })
      : first;
  if (!response.ok) throw new HttpError(`GitHub answered ${response.status} downloading the artifact`, response.status);
  return Buffer.from(await response.arrayBuffer());
}

/** vulngate-results.json at the top of the artifact zip (the output directory is uploaded as its root). */
async function resultsFromZip(zip: Buffer): Promise<string | undefined> {
  // An entry's data can still be flowing when the parser closes: wait for the entry itself.
  let entryRead: Promise<string> | undefined;
  await new Promise<void>((resolve, reject) => {
    Readable.from([zip])
      .pipe(unzip.Parse())
      .on('entry', (entry: unzip.Entry) => {
        if (entry.path !== OUTPUT_FILES.results || entryRead) {
          entry.autodrain();
          return;
        }
        entryRead = new Promise((done, failed) => {
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
          entry.on('error', failed);
        });
      })
      .on('error', reject)
      .on('close', resolve);
  });
  return entryRead;
}

export async function findGitHubBaseline(q: GitHubArtifactQuery): Promise<FoundRecord> {
  const [newest] = await candidates(q);
  if (!newest) return { none: `no unexpired artifact '${q.artifactName}' of branch ${q.branch}` };
  const text = await resultsFromZip(await retry(q.retry, () => download(newest, q)));
  const source = `artifact '${q.artifactName}' of run ${newest.workflow_run?.id ?? '?'} (${q.branch})`;
  if (text === undefined) return { none: `${source} has no ${OUTPUT_FILES.results}` };
  return { text, source };
}
