import { describe, expect, it } from 'vitest';
import { assignFolds, splitFold } from '../../../ml/train/folds';

// 40 patients with 1 to 4 images each (100 images).
const groups = Array.from({ length: 40 }, (_, p) => Array.from({ length: 1 + (p % 4) }, () => `patient-${p}`)).flat();

describe('assignFolds', () => {
  it('puts every image of a patient in one fold', () => {
    const folds = assignFolds(groups, 5, 7);
    const foldOf = new Map<string, Set<number>>();
    groups.forEach((g, i) => foldOf.set(g, (foldOf.get(g) ?? new Set()).add(folds[i])));
    for (const set of foldOf.values()) expect(set.size).toBe(1);
  });

  it('balances fold sizes to within one patient', () => {
    const folds = assignFolds(groups, 5, 7);
    const sizes = [0, 1, 2, 3, 4].map((f) => folds.filter((x) => x === f).length);
    expect(sizes.reduce((a, b) => a + b)).toBe(groups.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(4);
  });

  it('is reproducible by seed and changes with it', () => {
    expect(assignFolds(groups, 5, 7)).toEqual(assignFolds(groups, 5, 7));
    expect(assignFolds(groups, 5, 8)).not.toEqual(assignFolds(groups, 5, 7));
  });

  it('refuses fewer patients than folds, and fewer than two folds', () => {
    expect(() => assignFolds(['a', 'a', 'b'], 3, 1)).toThrow(/3 folds need at least 3 patients; the data has 2/);
    expect(() => assignFolds(groups, 1, 1)).toThrow(/at least 2 folds/);
  });
});

describe('splitFold', () => {
  it('gives the fold as validation and the rest as training', () => {
    expect(splitFold([0, 1, 0, 2, 1], 1)).toEqual({ train: [0, 2, 3], validation: [1, 4] });
    expect(() => splitFold([0, 1, 0], 2)).toThrow(/fold must be 0 … 1, got 2/);
  });
});
