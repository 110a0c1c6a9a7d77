// What the worklist says about each study's triage: the flag (always in words as well as colour, never colour
// alone) and where the study stands, including the live progress of a running job.
import type { TriageState, WorklistRow } from '../../../main/api/contract';

export type FlagKind = 'positive' | 'untriaged' | 'stale' | 'negative' | 'error';

/** In the order the main side ranks them (studies.worklist): what needs a radiologist first comes first. */
export const flagKinds: readonly FlagKind[] = ['positive', 'untriaged', 'stale', 'negative', 'error'];

export const flagWords: Record<FlagKind, string> = {
  positive: 'Suspected pneumothorax',
  untriaged: 'Not triaged',
  stale: 'Stale — re-triage',
  negative: 'No finding',
  error: 'Error',
};

export const statusKinds: readonly TriageState[] = ['pending', 'queued', 'running', 'triaged', 'stale', 'reviewed', 'error'];

/** A study's images done out of queued in the running job. */
export type StudyProgress = { done: number; total: number };

export function flagOf(row: WorklistRow): FlagKind {
  const triage = row.triage;
  // A study none of whose images could be read cannot be triaged at all.
  if (!triage) return row.status === 'error' ? 'error' : 'untriaged';
  // A verdict from another model version or rule is never passed off as a current one.
  if (triage.state === 'stale') return 'stale';
  if (triage.flag === 'positive') return 'positive';
  if (triage.state === 'error') return 'error';
  if (triage.flag === 'negative') return 'negative';
  return 'untriaged';
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
