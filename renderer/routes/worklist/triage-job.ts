// The triage job as the worklist follows it: the latest state wins, whichever of the reply to triage.start and
// the progress events arrives first.
import type { TriageJob } from '../../../main/api/contract';
import type { StudyProgress } from './triage-flag';

export function isJobActive(job: TriageJob | null): boolean {
  return job?.state === 'running' || job?.state === 'cancelling';
}

/** The fresher of two snapshots: another job replaces the old one; the same job never goes back. */
export function fresherJob(current: TriageJob | null, next: TriageJob): TriageJob {
  if (!current || current.jobId !== next.jobId) return next;
  if (isJobActive(current) !== isJobActive(next)) return isJobActive(next) ? current : next;
  return next.done + next.failed >= current.done + current.failed ? next : current;
}

/** Per study, while the job runs: images done out of queued. */
export function studyProgressOf(job: TriageJob | null): Map<string, StudyProgress> {
  if (!job || !isJobActive(job)) return new Map();
  return new Map(job.studies.map(({ studyInstanceUid, done, total }) => [studyInstanceUid, { done, total }]));
}
