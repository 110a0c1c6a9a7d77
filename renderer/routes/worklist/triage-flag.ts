// What the worklist draws of each study's triage. The main side decides the flag and says it in words (StudyTriage:
// main/triage/triage-decision.ts); here it only becomes a kind, which picks the colour and the marker's shape (never
// colour alone), and where the study stands, including the live progress of a running job.
import type { TriageState, WorklistRow } from '../../../main/api/contract';

/** A suspected pneumothorax stands out; nothing else is given a reassuring colour. */
export type FlagKind = 'positive' | 'pending' | 'stale' | 'not-flagged' | 'not-assessed' | 'error';

/** In the order the main side ranks them (studies.worklist): what needs a radiologist first comes first. */
export const flagKinds: readonly FlagKind[] = ['positive', 'pending', 'stale', 'not-flagged', 'not-assessed', 'error'];

/** The kinds' names in the flag filter (each row says its own flag in the main side's words). */
export const flagKindNames: Record<FlagKind, string> = {
  positive: 'Suspected pneumothorax',
  pending: 'Not triaged yet',
  stale: 'Stale',
  'not-flagged': 'Not flagged',
  'not-assessed': 'Not assessed',
  error: 'Error',
};

export const statusKinds: readonly TriageState[] = ['pending', 'queued', 'running', 'triaged', 'stale', 'reviewed', 'not-assessed', 'error'];

/** A study's images done out of queued in the running job. */
export type StudyProgress = { done: number; total: number };

export function flagOf(row: WorklistRow): FlagKind {
  const triage = row.triage;
  // A study none of whose images could be read cannot be triaged at all.
  if (!triage) return row.status === 'error' ? 'error' : 'pending';
  if (triage.flag) return triage.flag;
  return triage.state === 'stale' || triage.state === 'error' ? triage.state : 'pending';
}

/** The flag in words: the main side's, or what a study without any triage is. */
export function flagWordsOf(row: WorklistRow): string {
  if (row.triage) return row.triage.words;
  return row.status === 'error' ? 'Unreadable' : 'Not triaged';
}

/** The study's state; a running job's progress is fresher than the worklist fetched before it. */
export function statusOf(row: WorklistRow, progress: StudyProgress | null): TriageState {
  if (progress && progress.done < progress.total) {
    return row.triage?.state === 'running' || progress.done > 0 ? 'running' : 'queued';
  }
  const triage = row.triage;
  if (!triage) return row.status === 'error' ? 'error' : 'pending';
  return triage.reviewed ? 'reviewed' : triage.state;
}
