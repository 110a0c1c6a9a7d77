// A PACS job's triage step: the studies' images go to the workstation's one triage queue (joining a job that runs),
// and the step waits for that job to end, as the worklist's "Triage" button's job would.
import type { TriageJob } from '../api/contract';
import type { EventHub } from '../api/events';

/** Resolves with how many of the studies' images the job triaged; at once with 0 when there was nothing to triage. */
export async function triageAndWait(events: EventHub, startTriage: (studyInstanceUids: string[]) => Promise<TriageJob>, studies: readonly string[], signal: AbortSignal): Promise<number> {
  const ended = new Map<string, TriageJob>();
  let wake = () => {};
  const unsubscribe = events.subscribe((event, payload) => {
    if (event !== 'triage.done') return;
    const job = payload as TriageJob;
    ended.set(job.jobId, job);
    wake();
  });
  const onAbort = () => wake();
  signal.addEventListener('abort', onAbort);
  try {
    const started = await startTriage([...studies]);
    if (started.state !== 'running' && started.state !== 'cancelling') return 0;
    while (!ended.has(started.jobId) && !signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
    const ours = new Set(studies);
    return (ended.get(started.jobId)?.studies ?? []).filter((study) => ours.has(study.studyInstanceUid)).reduce((sum, study) => sum + study.done, 0);
  } finally {
    signal.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}
