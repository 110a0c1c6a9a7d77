// A PACS job (retrieve, poll, push) as the PACS page follows it: the latest snapshot wins, whichever of the call's
// reply and the progress events arrives first, and the whole state reads as one line.
import type { PacsJob } from '../../../main/api/contract';
import { formatNumber } from '../../app/format';

export function isPacsJobActive(job: PacsJob | null): boolean {
  return job?.state === 'running';
}

/** The fresher of two snapshots: another job replaces the old one; the same job never goes back. */
export function fresherPacsJob(current: PacsJob | null, next: PacsJob): PacsJob {
  if (!current || current.id !== next.id) return next;
  if (isPacsJobActive(current) !== isPacsJobActive(next)) return isPacsJobActive(next) ? current : next;
  return progressOf(next) >= progressOf(current) ? next : current;
}

/** Every counter only grows while a job runs, so their sum orders its snapshots. */
function progressOf(job: PacsJob): number {
  return job.instances.done + job.retrieved + job.triaged + job.pushed + job.skipped + job.errors.length;
}

export function sourceName(source: string): string {
  return source === 'dicomweb' ? 'DICOMweb' : source;
}

const running: Record<PacsJob['kind'], string> = { retrieve: 'Retrieving from', poll: 'Polling', push: 'Sending results to' };
const ended: Record<PacsJob['kind'], string> = { retrieve: 'Retrieve from', poll: 'Poll of', push: 'Sending results to' };
const endings: Record<Exclude<PacsJob['state'], 'running'>, string> = { done: 'finished', cancelled: 'cancelled', failed: 'failed' };

/**
 * "Retrieving from DICOMweb: 12 of 40 images in 3 studies; 12 retrieved, 4 triaged, 0 pushed, 2 skipped, 1 error",
 * then why it failed, when it did.
 */
export function pacsJobSummary(job: PacsJob): string {
  const source = sourceName(job.source);
  const what = job.state === 'running' ? `${running[job.kind]} ${source}` : `${ended[job.kind]} ${source} ${endings[job.state]}`;
  const n = formatNumber;
  const errors = job.errors.length === 1 ? '1 error' : `${n(job.errors.length)} errors`;
  const counts = `${n(job.retrieved)} retrieved, ${n(job.triaged)} triaged, ${n(job.pushed)} pushed, ${n(job.skipped)} skipped, ${errors}`;
  const studies = job.studies === 1 ? '1 study' : `${n(job.studies)} studies`;
  const line = `${what}: ${n(job.instances.done)} of ${n(job.instances.total)} images in ${studies}; ${counts}`;
  return job.message ? `${line}. ${job.message}` : line;
}
