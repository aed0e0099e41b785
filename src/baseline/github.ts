import { Readable } from 'node:stream';
import unzip from 'unzip-stream';
import { gitHubApi, type GitHubApi } from '../lib/github-api.js';
import type { RetryPolicy } from '../lib/retry.js';
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
  workflow_run?: { id?: number; head_branch?: string };
}

/** A results record and where it came from, or why there is none. */
export type FoundRecord = { text: string; source: string } | { none: string };

const PAGE_SIZE = 100;
/** Bounded: a repository with thousands of runs of one job is read back ten pages at most. */
const MAX_PAGES = 10;
/** An audit artifact's zip; a larger answer is not read. */
const MAX_ZIP_BYTES = 512 * 1024 * 1024;

/** Newest first: the listing's order is not documented, so it is sorted here. */
async function candidates(api: GitHubApi, q: GitHubArtifactQuery): Promise<ListedArtifact[]> {
  const found = (await api.paginate(
    `/repos/${q.owner}/${q.repo}/actions/artifacts?name=${encodeURIComponent(q.artifactName)}` +
      `&per_page=${PAGE_SIZE}&page=1`,
    {
      maxPages: MAX_PAGES,
      items: (body) => (body as { artifacts?: unknown }).artifacts,
      describe: (failure) => `GitHub answered ${failure.status} listing artifacts`,
    },
  )) as ListedArtifact[];
  return found
    .filter((a) => !a.expired && a.workflow_run?.head_branch === q.branch && String(a.workflow_run.id) !== q.runId)
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
}

/**
 * The zip, asked for by the artifact's id on the API's own address (never a URL the listing names), is a redirect
 * to blob storage: followed without the token, which goes to GitHub only.
 */
function download(api: GitHubApi, artifact: ListedArtifact, q: GitHubArtifactQuery): Promise<Buffer> {
  return api.download(`/repos/${q.owner}/${q.repo}/actions/artifacts/${artifact.id}/zip`, {
    maxBytes: MAX_ZIP_BYTES,
  });
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
  const api = gitHubApi({ apiUrl: q.apiUrl, token: q.token, retry: q.retry, timeoutMs: q.timeoutMs });
  const [newest] = await candidates(api, q);
  if (!newest) return { none: `no unexpired artifact '${q.artifactName}' of branch ${q.branch}` };
  const text = await resultsFromZip(await download(api, newest, q));
  const source = `artifact '${q.artifactName}' of run ${newest.workflow_run?.id ?? '?'} (${q.branch})`;
  if (text === undefined) return { none: `${source} has no ${OUTPUT_FILES.results}` };
  return { text, source };
}
