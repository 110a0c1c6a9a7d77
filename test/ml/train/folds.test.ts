import { describe, expect, it } from 'vitest';
import { assignFolds, splitFold, splitItems } from '../../../ml/train/folds';

// 40 patients with 1 to 4 images each (100 images); every third patient positive (all of their images).
const groups = Array.from({ length: 40 }, (_, p) => Array.from({ length: 1 + (p % 4) }, () => `patient-${p}`)).flat();
const positives = groups.map((g) => Number(g.slice('patient-'.length)) % 3 === 0);

describe('assignFolds', () => {
  it('puts every image of a patient in one fold', () => {
    const folds = assignFolds(groups, positives, 5, 7);
    const foldOf = new Map<string, Set<number>>();
    groups.forEach((g, i) => foldOf.set(g, (foldOf.get(g) ?? new Set()).add(folds[i])));
    for (const set of foldOf.values()) expect(set.size).toBe(1);
  });

  it('balances fold sizes to within one patient', () => {
    const folds = assignFolds(groups, positives, 5, 7);
    const sizes = [0, 1, 2, 3, 4].map((f) => folds.filter((x) => x === f).length);
    expect(sizes.reduce((a, b) => a + b)).toBe(groups.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(4);
  });

  it('is reproducible by seed and changes with it', () => {
    expect(assignFolds(groups, positives, 5, 7)).toEqual(assignFolds(groups, positives, 5, 7));
    expect(assignFolds(groups, positives, 5, 8)).not.toEqual(assignFolds(groups, positives, 5, 7));
  });

  it('spreads the positive patients over the folds, to within one patient', () => {
    const folds = assignFolds(groups, positives, 5, 7);
    const positiveSizes = [0, 1, 2, 3, 4].map((f) => folds.filter((x, i) => x === f && positives[i]).length);
    expect(positiveSizes.reduce((a, b) => a + b)).toBe(positives.filter(Boolean).length);
    expect(Math.max(...positiveSizes) - Math.min(...positiveSizes)).toBeLessThanOrEqual(4);
  });

  it('counts a patient positive when any of their images is', () => {
    // p1's second film is the positive one; with two folds the two positive patients must part.
    const folds = assignFolds(['p1', 'p1', 'p2', 'n1', 'n2'], [false, true, true, false, false], 2, 3);
    expect(folds[0]).toBe(folds[1]);
    expect(folds[0]).not.toBe(folds[2]);
  });

  it('leaves a positive in every training part while the data holds two, whatever the seed', () => {
    // A site's small reviewed set: 8 patients, 2 of them positive, 5 folds (the held-out fold holds 2 patients).
    const items = Array.from({ length: 8 }, (_, p) => ({ patientId: `p${p}`, positive: p === 3 || p === 6 }));
    for (let seed = 0; seed < 200; seed++) {
      for (let fold = 0; fold < 5; fold++) expect(splitItems(items, 5, fold, seed).train.some((item) => item.positive)).toBe(true);
    }
  });

  it('refuses fewer patients than folds, and fewer than two folds', () => {
    expect(() => assignFolds(['a', 'a', 'b'], [false, false, true], 3, 1)).toThrow(/3 folds need at least 3 patients; the data has 2/);
    expect(() => assignFolds(groups, positives, 1, 1)).toThrow(/at least 2 folds/);
    expect(() => assignFolds(groups, positives.slice(1), 5, 1)).toThrow(/99 labels for 100 items/);
  });
});

describe('splitFold', () => {
  it('gives the fold as validation and the rest as training', () => {
    expect(splitFold([0, 1, 0, 2, 1], 1)).toEqual({ train: [0, 2, 3], validation: [1, 4] });
    expect(() => splitFold([0, 1, 0], 2)).toThrow(/fold must be 0 … 1, got 2/);
  });
});
