import { gitHubApi, type GitHubApi } from '../lib/github-api.js';
import type { RetryPolicy } from '../lib/retry.js';
import { OUTPUT_FILES } from '../core/results.js';
import { readZipEntry } from './zip.js';

/** The default branch's newest audit artifact of this job, as the Actions REST API lists it. */
export interface GitHubArtifactQuery {
  apiUrl: string;
  token: string;
  owner: string;
  repo: string;
  /** GITHUB_REPOSITORY_ID, where the runner sets it: the artifact's run must be of this repository. */
  repositoryId?: string;
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
  workflow_run?: { id?: number; repository_id?: number; head_repository_id?: number; head_branch?: string };
}

interface WorkflowRun {
  event?: string;
  head_branch?: string;
  head_repository?: { id?: number; full_name?: string } | null;
  repository?: { id?: number; full_name?: string };
}

/** A results record and where it came from, or why there is none. */
export type FoundRecord = { text: string; source: string } | { none: string };

const PAGE_SIZE = 100;
/** Bounded: a repository with thousands of runs of one job is read back ten pages at most. */
const MAX_PAGES = 10;
/** An audit artifact's zip; a larger answer is not read. */
const MAX_ZIP_BYTES = 512 * 1024 * 1024;
/** What the zip may hold, and what its record may inflate to: nothing grows with what the zip claims. */
const ZIP_LIMITS = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 };
/** Runs looked up before giving up: each candidate's run is asked for its event. */
const MAX_RUNS_CHECKED = 10;
/**
 * The events of a default-branch run whose code is the default branch's: a push (a merge), the nightly schedule, a
 * manual run, a run after another. Pull requests (pull_request_target runs on the default branch too, often with the
 * pull request's code), comments and the rest never make a baseline.
 */
const BASELINE_EVENTS = new Set(['push', 'schedule', 'workflow_dispatch', 'workflow_run']);

const sameName = (a: string | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

/**
 * Of this repository's own runs on the default branch, as the listing says: a fork's run (whose head branch may well
 * be called `main`) has another head repository. Newest first: the listing's order is not documented.
 */
async function candidates(api: GitHubApi, q: GitHubArtifactQuery): Promise<{ own: ListedArtifact[]; other: number }> {
  const found = (await api.paginate(
    `/repos/${q.owner}/${q.repo}/actions/artifacts?name=${encodeURIComponent(q.artifactName)}` +
      `&per_page=${PAGE_SIZE}&page=1`,
    {
      maxPages: MAX_PAGES,
      items: (body) => (body as { artifacts?: unknown }).artifacts,
      describe: (failure) => `GitHub answered ${failure.status} listing artifacts`,
    },
  )) as ListedArtifact[];
  const onBranch = found.filter(
    (a) => !a.expired && a.workflow_run?.head_branch === q.branch && String(a.workflow_run.id) !== q.runId,
  );
  const own = onBranch.filter((a) => {
    const run = a.workflow_run ?? {};
    const repository = q.repositoryId ?? String(run.repository_id ?? '');
    return (
      repository !== '' && String(run.head_repository_id) === repository && String(run.repository_id) === repository
    );
  });
  own.sort((a, b) => b.created_at.localeCompare(a.created_at));
  return { own, other: onBranch.length - own.length };
}

/** Whether the artifact's run is this repository's own run of its default branch's code, as the run itself says. */
async function isOwnDefaultBranchRun(api: GitHubApi, q: GitHubArtifactQuery, runId: number): Promise<boolean> {
  const run = (await api.request('GET', `/repos/${q.owner}/${q.repo}/actions/runs/${runId}`, {
    describe: (failure) => `GitHub answered ${failure.status} for run ${runId}`,
  })) as WorkflowRun;
  const full = `${q.owner}/${q.repo}`;
  return (
    BASELINE_EVENTS.has(run.event ?? '') &&
    run.head_branch === q.branch &&
    sameName(run.head_repository?.full_name, full) &&
    sameName(run.repository?.full_name, full)
  );
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

/** `, 2 skipped (a fork's, or not a push, schedule or manual run)`: what was passed over, for the notice. */
function skippedText(skipped: number): string {
  return skipped > 0 ? `; ${skipped} skipped: not this repository's own push, schedule or manual run` : '';
}

export async function findGitHubBaseline(q: GitHubArtifactQuery): Promise<FoundRecord> {
  const api = gitHubApi({ apiUrl: q.apiUrl, token: q.token, retry: q.retry, timeoutMs: q.timeoutMs });
  const { own, other } = await candidates(api, q);
  let skipped = other;
  for (const artifact of own.slice(0, MAX_RUNS_CHECKED)) {
    const runId = artifact.workflow_run?.id ?? 0;
    if (!(await isOwnDefaultBranchRun(api, q, runId))) {
      skipped += 1;
      continue;
    }
    const source = `artifact '${q.artifactName}' of run ${runId} (${q.branch})`;
    const read = readZipEntry(await download(api, artifact, q), OUTPUT_FILES.results, ZIP_LIMITS);
    if ('missing' in read) return { none: `${source} has no ${OUTPUT_FILES.results}` };
    if ('problem' in read) return { none: `${source} is not read: ${read.problem}` };
    return { text: read.found.toString('utf8'), source };
  }
  return { none: `no unexpired artifact '${q.artifactName}' of branch ${q.branch}${skippedText(skipped)}` };
}
