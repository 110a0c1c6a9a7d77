// The held-out comparison's arithmetic: the flag's counts, per-image Dice, the paired difference and the verdict.
import { describe, expect, it } from 'vitest';
import { diceDifference, summariseScores, verdictOf } from '../../../main/training/compare';
import type { Mask } from '../../../ml/post';

const mask = (...pixels: number[]): Mask => ({ rows: 1, columns: 4, data: Uint8Array.from(pixels) });
const empty = mask(0, 0, 0, 0);

describe('summariseScores', () => {
  it('counts the flag per image and scores each image with the challenge Dice (empty against empty is 1)', () => {
    const { score, dice } = summariseScores([
      { truth: mask(1, 1, 0, 0), predicted: mask(1, 0, 0, 0) }, // hit: Dice 2·1/(2+1)
      { truth: mask(0, 0, 1, 1), predicted: empty }, // missed: 0
      { truth: empty, predicted: empty }, // cleared correctly: 1
      { truth: empty, predicted: mask(0, 0, 0, 1) }, // false positive: 0
    ]);
    expect(dice).toEqual([2 / 3, 0, 1, 0]);
    expect(score.meanDice).toBeCloseTo((2 / 3 + 1) / 4, 12);
    expect(score.images).toBe(4);
    expect(score.sensitivity).toMatchObject({ value: 0.5, hits: 1, of: 2 });
    expect(score.specificity).toMatchObject({ value: 0.5, hits: 1, of: 2 });
    expect(score.sensitivity!.interval.low).toBeCloseTo(0.0945, 3);
    expect(score.sensitivity!.interval.high).toBeCloseTo(0.9055, 3);
  });

  it('has no sensitivity without a positive image', () => {
    expect(summariseScores([{ truth: empty, predicted: empty }]).score).toMatchObject({ sensitivity: null, specificity: { value: 1, hits: 1, of: 1 } });
  });
});

describe('diceDifference', () => {
  it('pairs the images: new minus current, image by image', () => {
    const difference = diceDifference([1, 0.5, 0.5], [0.5, 0.5, 0]);
    expect(difference.estimate).toBeCloseTo(1 / 3, 12);
    expect(difference.resamples).toBe(2000);
    // the differences are 0.5, 0, 0.5: every resampled mean lies in [0, 0.5]
    expect(difference.interval!.low).toBeGreaterThanOrEqual(0);
    expect(difference.interval!.high).toBeLessThanOrEqual(0.5);
  });
});

describe('verdictOf', () => {
  it('is better only when the whole interval lies above 0, worse when below, undecided when it holds 0 or is missing', () => {
    expect(verdictOf({ low: 0.01, high: 0.2 })).toBe('better');
    expect(verdictOf({ low: -0.2, high: -0.01 })).toBe('worse');
    expect(verdictOf({ low: -0.1, high: 0.2 })).toBe('undecided');
    expect(verdictOf({ low: 0, high: 0 })).toBe('undecided');
    expect(verdictOf(null)).toBe('undecided');
  });
});
