// The one place where an image's triage is decided: from its stored verdict, its review, whether the verdict is
// current and whether the image is within the intended use, to its state, its flag, the flag in words, who the flag
// is from, the figures of the finding shown and its rank on the worklist. Everything that shows or exports a flag —
// the API, the worklist, the viewer, results.json, the DICOM exports and the report — takes it from here; the
// renderer only maps it to colour and shape. Staleness is never stored: the same row reads as current under one
// configuration and stale under another.
import type { HeldBack, TriageFlag as ModelFlag } from '../../ml/post';
import type { FlagSource, ReviewDecision, StudyTriage, TriageFlag, TriageState } from '../api/contract';

/** The states a triage_results row holds; 'pending' (no row), 'stale', 'reviewed' and 'not-assessed' are decided here. */
export type StoredState = 'queued' | 'running' | 'triaged' | 'error';

export type Side = 'left' | 'right' | 'bilateral';

/** What a mask shows: the model's, or the reviewed one measured the same way. */
export type Figures = { score: number; areaPixels: number; areaMm2: number | null; side: Side | null };

/** Everything the decision reads about one image. */
export type ImageFacts = {
  /** null: no row (never queued) */
  stored: StoredState | null;
  configKey: string | null;
  /** the model's verdict, as last stored */
  modelFlag: ModelFlag | null;
  model: Figures | null;
  maxProbability: number | null;
  heldBack: HeldBack | null;
  review: { decision: ReviewDecision; reviewer: string; figures: Figures } | null;
  /** null: within the intended use */
  notAssessedReason: string | null;
  /** one of Pleura's synthetic phantoms, which a demonstration model may triage without a warning */
  phantom: boolean;
};

/** The configuration a verdict must carry to be current (null: no model is current), and whether the model is a demonstration. */
export type DecisionContext = { configKey: string | null; demonstration: boolean };

/**
 * The worklist's priority groups, first to last: suspected pneumothorax (by the current model and rule, or by a
 * reviewer), not yet known (pending, queued, running, stale: a stale flag never ranks a study), not flagged (by the
 * model, or a reviewer's "no pneumothorax"), not assessed (outside the intended use), failed.
 */
export const PRIORITY = { positive: 0, unknown: 1, notFlagged: 2, notAssessed: 3, error: 4 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];

export type ImageDecision = {
  state: TriageState;
  flag: TriageFlag | null;
  flagSource: FlagSource | null;
  words: string;
  priority: Priority;
  /** the finding shown (the reviewed mask's after a review); null unless the flag is positive */
  figures: Figures | null;
  /** the model's peak, while a current verdict stands */
  maxProbability: number | null;
  notAssessedReason: string | null;
  demonstrationModel: boolean;
};

const NO_FLAG = { flag: null, flagSource: null, figures: null, maxProbability: null, notAssessedReason: null, demonstrationModel: false } as const;

const WAITING: Record<'queued' | 'running', string> = { queued: 'Queued for triage', running: 'Being triaged' };

export function decideImage(facts: ImageFacts, context: DecisionContext): ImageDecision {
  const { stored, review } = facts;
  if (review) {
    // A person's decision outranks the model whatever model or rule is current; a confirmed "not flagged" is the
    // reviewer agreeing that there is no pneumothorax.
    const positive = review.figures.areaPixels > 0;
    return {
      ...NO_FLAG,
      state: stored === 'queued' || stored === 'running' ? stored : 'reviewed',
      flag: positive ? 'positive' : 'not-flagged',
      flagSource: 'reviewer',
      words: `Reviewed: ${positive ? 'pneumothorax' : 'no pneumothorax'} — ${review.reviewer}`,
      priority: positive ? PRIORITY.positive : PRIORITY.notFlagged,
      figures: positive ? review.figures : null,
      maxProbability: facts.maxProbability,
    };
  }
  if (facts.notAssessedReason !== null) {
    return {
      ...NO_FLAG,
      state: 'not-assessed',
      flag: 'not-assessed',
      words: notAssessedWords(facts.notAssessedReason),
      priority: PRIORITY.notAssessed,
      notAssessedReason: facts.notAssessedReason,
    };
  }
  if (stored === null) return { ...NO_FLAG, state: 'pending', words: 'Not triaged', priority: PRIORITY.unknown };
  if (stored === 'error') return { ...NO_FLAG, state: 'error', words: 'Triage failed', priority: PRIORITY.error };
  if (stored !== 'triaged') return { ...NO_FLAG, state: stored, words: WAITING[stored], priority: PRIORITY.unknown };
  if (facts.configKey !== context.configKey || facts.modelFlag === null) return { ...NO_FLAG, state: 'stale', words: 'Stale — re-triage', priority: PRIORITY.unknown };
  const positive = facts.modelFlag === 'positive';
  return {
    ...NO_FLAG,
    state: 'triaged',
    flag: facts.modelFlag,
    flagSource: 'model',
    words: positive ? 'Suspected pneumothorax' : notFlaggedWords(facts.maxProbability, facts.heldBack),
    priority: positive ? PRIORITY.positive : PRIORITY.notFlagged,
    figures: positive ? facts.model : null,
    maxProbability: facts.maxProbability,
    demonstrationModel: context.demonstration && !facts.phantom,
  };
}

export function notAssessedWords(reason: string): string {
  return `Not assessed — ${reason}`;
}

/** "Not flagged — peak 0.31 below 0.75": the model's peak, and the condition of the rule it did not meet. */
export function notFlaggedWords(peak: number | null, held: HeldBack | null): string {
  if (peak === null) return 'Not flagged';
  const p = measured(peak, held && 'threshold' in held ? held.threshold : null);
  switch (held?.kind) {
    case undefined:
      return `Not flagged — peak ${p}`;
    case 'peak':
      return `Not flagged — peak ${p} below ${held.threshold.toFixed(2)}`;
    case 'area':
      return `Not flagged — peak ${p}, ${held.area} px above ${held.threshold.toFixed(2)} (needs ${held.minArea})`;
    case 'classifier':
      return `Not flagged — P(non-empty) ${measured(held.probability, held.minimum)} below ${held.minimum.toFixed(2)}`;
    case 'regions':
      return `Not flagged — peak ${p}, every region under ${held.minRegionArea} px`;
  }
}

/** Two decimals, or three where two would print a measured value as its threshold (0.749 below 0.75, not 0.75 below 0.75). */
// A peak that rounds to 0.00 would read as "no chance" on a device that never declares a film clear.
function measured(value: number, threshold: number | null): string {
  if (value < 0.005) return '<0.01';
  const two = value.toFixed(2);
  return threshold !== null && value !== threshold && two === threshold.toFixed(2) ? value.toFixed(3) : two;
}

// A study's state is its least settled image's: work in flight first, then work still to do, then failures.
const STUDY_STATE_ORDER: readonly TriageState[] = ['running', 'queued', 'pending', 'stale', 'error', 'triaged', 'reviewed', 'not-assessed'];

export type StudySummary = {
  /** null while none of its images was ever queued, and all are within the intended use */
  triage: StudyTriage | null;
  priority: Priority;
  /** within its priority group, higher first: the decisive image's score, else its model's peak */
  rank: number;
};

/** A study's summary: its most pressing image (by priority, then rank) decides flag, words and figures. */
export function summariseStudy(images: readonly ImageFacts[], context: DecisionContext): StudySummary {
  if (images.every((image) => image.stored === null && image.review === null && image.notAssessedReason === null)) {
    return { triage: null, priority: PRIORITY.unknown, rank: -1 };
  }
  const counts: Partial<Record<TriageState, number>> = {};
  let decisive: { decision: ImageDecision; rank: number } | null = null;
  let demonstrationModel = false;
  for (const image of images) {
    const decision = decideImage(image, context);
    counts[decision.state] = (counts[decision.state] ?? 0) + 1;
    demonstrationModel ||= decision.demonstrationModel;
    const rank = decision.figures?.score ?? image.maxProbability ?? image.model?.score ?? -1;
    if (decisive === null || decision.priority < decisive.decision.priority || (decision.priority === decisive.decision.priority && rank > decisive.rank)) {
      decisive = { decision, rank };
    }
  }
  const { decision, rank } = decisive!;
  const withVerdict = (counts.triaged ?? 0) + (counts.stale ?? 0) + (counts.reviewed ?? 0);
  const triage: StudyTriage = {
    state: STUDY_STATE_ORDER.find((state) => (counts[state] ?? 0) > 0)!,
    flag: decision.flag,
    flagSource: decision.flagSource,
    words: decision.words,
    score: decision.figures?.score ?? null,
    maxProbability: decision.maxProbability,
    areaCm2: decision.figures?.areaMm2 == null ? null : decision.figures.areaMm2 / 100,
    side: decision.figures?.side ?? null,
    demonstrationModel,
    counts,
    reviewed: withVerdict > 0 && counts.reviewed === withVerdict,
  };
  return { triage, priority: decision.priority, rank };
}
