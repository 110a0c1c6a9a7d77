// One poll of a PACS: the studies dated from where the last poll left off (QIDO-RS by StudyDate; a day back, so a
// study that arrives late on the day of the last poll is still found), handed to the pipeline, which retrieves only
// the instances not here yet. The cursor moves only after a poll that ended without an error, so a failed one is
// repeated whole.
import { dicomDateTime } from '../exports/part10';
import type { PacsJobProgress } from './pacs-job';
import type { PacsState } from './pacs-state';
import type { QueryRetrieve } from './query-retrieve';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Polled studies are those a triage is for. */
const POLLED_MODALITIES = ['CR', 'DX'];

export interface PollOptions {
  source: QueryRetrieve;
  state: PacsState;
  progress: PacsJobProgress;
  /** YYYYMMDD to start from instead of the cursor */
  from?: string;
  /** where a source's first poll starts: YYYYMMDD, or null for every study (`pleura pacs sync`'s first run) */
  firstFrom: string | null;
  run: (studyInstanceUids: string[]) => Promise<void>;
  now?: () => Date;
}

export async function pollOnce({ source, state, progress, from, firstFrom, run, now = () => new Date() }: PollOptions): Promise<void> {
  const started = now();
  const fromDate = from ?? state.pollCursor(source.name)?.fromDate ?? firstFrom;
  const studies = await source.searchStudies({ ...(fromDate ? { from: fromDate } : {}), modalities: POLLED_MODALITIES }, progress.signal);
  await run(studies.map((study) => study.studyInstanceUid));
  // A poll that met an error is repeated whole: what failed is retried, what arrived is found here and skipped.
  if (progress.signal.aborted || progress.errorCount > 0) return;
  state.setPollCursor(source.name, { lastPollAt: started.toISOString(), fromDate: dicomDateTime(new Date(started.getTime() - DAY_MS)).date });
}
