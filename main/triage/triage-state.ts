// Where an image and a study stand, computed from the stored row and the current configuration: staleness is never
// stored (a changed model or rule would have to rewrite every row), so the same row reads as triaged under one
// configuration and stale under another.
import type { ReviewDecision, StudyTriage, TriageState } from '../api/contract';

/** The states a triage_results row holds; 'pending' (no row), 'stale' and 'reviewed' are computed. */
export type StoredState = 'queued' | 'running' | 'triaged' | 'error';

/** What decides an image's computed state and its weight on the worklist. */
export type ImageVerdict = {
  state: StoredState | null;
  configKey: string | null;
  flag: 'positive' | 'negative' | null;
  score: number | null;
  areaMm2: number | null;
  side: 'left' | 'right' | 'bilateral' | null;
  reviewDecision: ReviewDecision | null;
  reviewMaskRle: string | null;
};

/**
 * A person's review outranks the model: it stays 'reviewed' whatever model or rule is current. A queued or running
 * image keeps its previous verdict beside the new state until the new verdict replaces it.
 */
export function imageState(v: Pick<ImageVerdict, 'state' | 'configKey' | 'reviewDecision'>, currentConfigKey: string | null): TriageState {
  if (v.state === null) return 'pending';
  if (v.state !== 'triaged') return v.state;
  if (v.reviewDecision !== null) return 'reviewed';
  return v.configKey === currentConfigKey ? 'triaged' : 'stale';
}

/** The flag as it stands after a review: a rejected finding is negative, a confirmed one positive, an edit is its mask. */
export function effectiveFlag(v: Pick<ImageVerdict, 'flag' | 'reviewDecision' | 'reviewMaskRle'>): 'positive' | 'negative' | null {
  switch (v.reviewDecision) {
    case 'rejected':
      return 'negative';
    case 'confirmed':
      return 'positive';
    case 'edited':
      return v.reviewMaskRle === null || v.reviewMaskRle.trim() === '-1' ? 'negative' : 'positive';
    default:
      return v.flag;
  }
}

// The study's state is its least settled image's: work in flight first, then work still to do, then failures.
const STUDY_STATE_ORDER: readonly TriageState[] = ['running', 'queued', 'pending', 'stale', 'error', 'triaged', 'reviewed'];

/**
 * The worklist's priority groups, first to last: suspected pneumothorax (the most suspicious image is positive by
 * the current model and rule, or by a person), not yet known (no verdict, or pending, queued, running or stale:
 * stale flags are shown but never rank a study), negative, every image failed.
 */
export const PRIORITY = { positive: 0, unknown: 1, negative: 2, error: 3 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];

/**
 * A study's summary from its images' verdicts: the most suspicious image (positive before negative, then the highest
 * score) decides flag, score, area and side. triage is null when no image has been queued or triaged.
 */
export function summariseStudy(images: readonly ImageVerdict[], currentConfigKey: string | null): { triage: StudyTriage | null; priority: Priority } {
  if (images.every((image) => image.state === null)) return { triage: null, priority: PRIORITY.unknown };
  const counts: Partial<Record<TriageState, number>> = {};
  let decisive: { flag: 'positive' | 'negative'; image: ImageVerdict } | null = null;
  for (const image of images) {
    const state = imageState(image, currentConfigKey);
    counts[state] = (counts[state] ?? 0) + 1;
    const flag = effectiveFlag(image);
    if (flag === null) continue;
    if (decisive === null || moreSuspicious(flag, image.score, decisive.flag, decisive.image.score)) decisive = { flag, image };
  }
  const state = STUDY_STATE_ORDER.find((s) => (counts[s] ?? 0) > 0)!;
  const withVerdict = (counts.triaged ?? 0) + (counts.stale ?? 0) + (counts.reviewed ?? 0);
  const triage: StudyTriage = {
    state,
    flag: decisive?.flag ?? null,
    score: decisive?.image.score ?? null,
    areaCm2: decisive?.image.areaMm2 == null ? null : decisive.image.areaMm2 / 100,
    side: decisive?.image.side ?? null,
    counts,
    reviewed: withVerdict > 0 && counts.reviewed === withVerdict,
  };
  const current = decisive !== null && (decisive.image.reviewDecision !== null || decisive.image.configKey === currentConfigKey);
  let priority: Priority = PRIORITY.unknown;
  if (decisive?.flag === 'positive' && current) priority = PRIORITY.positive;
  else if (state === 'error') priority = PRIORITY.error;
  else if (decisive?.flag === 'negative' && (state === 'triaged' || state === 'reviewed')) priority = PRIORITY.negative;
  return { triage, priority };
}

function moreSuspicious(flag: string, score: number | null, thanFlag: string, thanScore: number | null): boolean {
  if (flag !== thanFlag) return flag === 'positive';
  return (score ?? -1) > (thanScore ?? -1);
}
