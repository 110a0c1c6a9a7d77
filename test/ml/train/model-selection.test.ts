import { describe, expect, it } from 'vitest';
import { keepTopK, observeScore, startEarlyStopping, type RankedCheckpoint } from '../../../ml/train/model-selection';

/** The 0-based epoch after which the stage stops, or null if it runs through. */
function stopEpoch(scores: number[], patience?: number, best: number | null = null): number | null {
  let state = startEarlyStopping(best);
  for (const [epoch, score] of scores.entries()) {
    const seen = observeScore(state, score, patience);
    if (seen.stop) return epoch;
    state = seen.state;
  }
  return null;
}

describe('early stopping', () => {
  it('stops after more than `patience` epochs without a strictly better score', () => {
    // Best 0.5 at epoch 1; epochs 2…4 are 3 bad epochs: with patience 2, 3 > 2 stops after epoch 4.
    expect(stopEpoch([0.4, 0.5, 0.5, 0.45, 0.3, 0.9], 2)).toBe(4);
    // patience 10, best at epoch 0: epoch − best_epoch > 10 first holds at epoch 11 (1st place's rule).
    expect(stopEpoch([0.9, ...Array(20).fill(0.1)], 10)).toBe(11);
    expect(stopEpoch([0.4, 0.5, 0.6, 0.7], 0)).toBeNull();
    expect(stopEpoch([0.4, 0.3, 0.2, 0.1])).toBeNull();
  });

  it('counts a NaN as no improvement and can start from a score to beat', () => {
    expect(stopEpoch([Number.NaN, Number.NaN], 1)).toBe(1);
    expect(observeScore(startEarlyStopping(), 0.2).improved).toBe(true);
    // A stage that must beat the earlier stages' 0.8 and never does stops after patience + 1 epochs.
    expect(stopEpoch([0.7, 0.75, 0.79], 2, 0.8)).toBe(2);
  });
});

describe('keepTopK', () => {
  const run = (scores: number[], k: number) => {
    let kept: RankedCheckpoint[] = [];
    const log: { admitted: boolean; removed: string[] }[] = [];
    scores.forEach((score, sequence) => {
      const next = keepTopK(kept, { name: `e${sequence}`, score, sequence }, k);
      kept = next.kept;
      log.push({ admitted: next.admitted, removed: next.removed });
    });
    return { kept: kept.map((c) => c.name), log };
  };

  it('keeps the k best, best first, and says which to write and which to delete', () => {
    const { kept, log } = run([0.5, 0.7, 0.6, 0.4, 0.8], 2);
    expect(kept).toEqual(['e4', 'e1']);
    expect(log).toEqual([
      { admitted: true, removed: [] },
      { admitted: true, removed: [] },
      { admitted: true, removed: ['e0'] }, // 0.6 beats 0.5
      { admitted: false, removed: [] }, // 0.4 never written
      { admitted: true, removed: ['e2'] },
    ]);
  });

  it('prefers the later checkpoint on equal scores and ranks NaN last', () => {
    expect(run([0.5, 0.5, 0.5], 2).kept).toEqual(['e2', 'e1']);
    expect(run([Number.NaN, 0.1], 1).kept).toEqual(['e1']);
    expect(run([0.1, Number.NaN], 1).log[1]).toEqual({ admitted: false, removed: [] });
  });

  it('evicts the surplus when k shrinks, and rejects bad input', () => {
    const kept: RankedCheckpoint[] = [0.9, 0.8, 0.7].map((score, i) => ({ name: `k${i}`, score, sequence: i }));
    const next = keepTopK(kept, { name: 'new', score: 0.85, sequence: 3 }, 2);
    expect(next.kept.map((c) => c.name)).toEqual(['k0', 'new']);
    expect(next.removed).toEqual(['k1', 'k2']);
    expect(() => keepTopK(kept, { name: 'k1', score: 1, sequence: 4 }, 2)).toThrow(/already kept/);
    expect(() => keepTopK([], { name: 'x', score: 1, sequence: 0 }, 0)).toThrow(/k ≥ 1/);
  });
});
