import { HttpError, parseRetryAfter, retry, type RetryPolicy } from '../lib/retry.js';
import type { FoundRecord } from './github.js';

/** The last successful pipeline's record on a branch, for one job, through GitLab's job-artifacts API. */
export interface GitLabArtifactQuery {
  /** CI_API_V4_URL. */
  apiUrl: string;
  /** CI_PROJECT_ID. */
  projectId: string;
  /** CI_JOB_TOKEN: the artifacts API takes it as JOB-TOKEN. */
  jobToken: string;
  branch: string;
  /** CI_JOB_NAME: the same job on the default branch. */
  job: string;
  /** The record's path in the job's artifacts: <output-dir>/vulngate-results.json. */
  file: string;
  retry: RetryPolicy;
  timeoutMs: number;
}

/** GET /projects/:id/jobs/artifacts/:ref/raw/*path?job=…: 404 when the branch has no such successful job yet. */
export async function findGitLabBaseline(q: GitLabArtifactQuery): Promise<FoundRecord> {
  const file = q.file
    .replace(/^\.\//, '')
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
  const url =
    `${q.apiUrl.replace(/\/+$/, '')}/projects/${encodeURIComponent(q.projectId)}/jobs/artifacts/` +
    `${encodeURIComponent(q.branch)}/raw/${file}?job=${encodeURIComponent(q.job)}`;
  const source = `job '${q.job}' of the last successful pipeline on ${q.branch}`;
  const text = await retry(q.retry, async () => {
    const response = await fetch(url, {
      headers: { 'JOB-TOKEN': q.jobToken },
      signal: AbortSignal.timeout(q.timeoutMs),
    });
    if (response.status === 404) return undefined;
    if (!response.ok) {
      const after = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      throw new HttpError(`GitLab answered ${response.status} for ${source}'s artifacts`, response.status, after);
    }
    return response.text();
  });
  if (text === undefined) return { none: `no ${q.file} in the artifacts of ${source}` };
  return { text, source };
}
