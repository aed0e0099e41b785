import { httpClient, joinUrl } from '../lib/http.js';
import type { RetryPolicy } from '../lib/retry.js';
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

/** As for a GitHub artifact's record: what one job's results file may weigh. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** GET /projects/:id/jobs/artifacts/:ref/raw/*path?job=…: 404 when the branch has no such successful job yet. */
export async function findGitLabBaseline(q: GitLabArtifactQuery): Promise<FoundRecord> {
  const file = q.file
    .replace(/^\.\//, '')
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
  const url = joinUrl(
    q.apiUrl,
    `/projects/${encodeURIComponent(q.projectId)}/jobs/artifacts/${encodeURIComponent(q.branch)}/raw/${file}` +
      `?job=${encodeURIComponent(q.job)}`,
  );
  const source = `job '${q.job}' of the last successful pipeline on ${q.branch}`;
  // JOB-TOKEN goes to the API's origin only, and a redirect is not followed with it.
  const http = httpClient({
    service: 'GitLab',
    credential: { origin: q.apiUrl, headers: { 'JOB-TOKEN': q.jobToken } },
    retry: q.retry,
    timeoutMs: q.timeoutMs,
  });
  const answer = await http.send({
    url,
    accept: [404],
    // The record is read into memory: a larger answer is not a record vulngate wrote.
    maxBytes: MAX_RECORD_BYTES,
    describe: (failure) =>
      failure.redirectTo === undefined ? `GitLab answered ${failure.status} for ${source}'s artifacts` : undefined,
  });
  if (answer.status === 404) return { none: `no ${q.file} in the artifacts of ${source}` };
  return { text: answer.text(), source };
}
