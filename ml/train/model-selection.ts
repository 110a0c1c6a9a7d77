// Which epochs count: early stopping and the top-k checkpoints, both by the validation score (higher is better),
// as the 1st place's Learning.py does. Pure bookkeeping over plain JSON state; the trainer does the file I/O.

export type EarlyStopping = {
  /** best score so far (null before the first) */
  best: number | null;
  /** epochs since the best */
  badEpochs: number;
};

/** A stage's fresh state; `best` carries a score over from earlier training that the stage must beat. */
export function startEarlyStopping(best: number | null = null): EarlyStopping {
  return { best, badEpochs: 0 };
}

/**
 * One validated epoch. Only a strictly higher score is a new best (a NaN never is). The stage stops after more
 * than `patience` epochs without one — the 1st place's `epoch − best_epoch > early_stopping` — so patience 10 with
 * the best at epoch 0 stops after epoch 11. No patience: never stops.
 */
export function observeScore(
  state: EarlyStopping,
  score: number,
  patience?: number,
): { state: EarlyStopping; improved: boolean; stop: boolean } {
  const improved = !Number.isNaN(score) && (state.best === null || score > state.best);
  const next = improved ? { best: score, badEpochs: 0 } : { best: state.best, badEpochs: state.badEpochs + 1 };
  return { state: next, improved, stop: patience !== undefined && next.badEpochs > patience };
}

export type RankedCheckpoint = {
  /** the checkpoint's file or folder name */
  name: string;
  score: number;
  /** when it was made (epochs counted over the whole run): on equal scores the later one ranks higher */
  sequence: number;
};

/**
 * The top-k after a new epoch: `kept` best first, whether the candidate made it (write it only then), and the
 * names that fell out (delete those). Ties go to the later checkpoint, trained on more data with the same score;
 * a NaN score ranks last. A smaller k than before evicts the surplus.
 */
export function keepTopK(
  kept: readonly RankedCheckpoint[],
  candidate: RankedCheckpoint,
  k: number,
): { kept: RankedCheckpoint[]; admitted: boolean; removed: string[] } {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`top-k needs k ≥ 1, got ${k}`);
  if (kept.some((c) => c.name === candidate.name)) throw new Error(`checkpoint "${candidate.name}" is already kept`);
  const ranked = [...kept, candidate].sort(byRank);
  const survivors = ranked.slice(0, k);
  return {
    kept: survivors,
    admitted: survivors.includes(candidate),
    removed: ranked.slice(k).filter((c) => c !== candidate).map((c) => c.name),
  };
}

function byRank(a: RankedCheckpoint, b: RankedCheckpoint): number {
  const aScore = Number.isNaN(a.score) ? -Infinity : a.score;
  const bScore = Number.isNaN(b.score) ? -Infinity : b.score;
  return bScore - aScore || b.sequence - a.sequence;
}
