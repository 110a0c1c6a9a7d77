import { describe, expect, it } from 'vitest';
import { createMask, diceFromCounts, imageScore, maskRuns, meanScore, runsScore } from '../../../ml/post';
import { maskFromText } from '../../fixtures/masks';

describe("the challenge's metric", () => {
  it('scores both-empty 1, exactly-one-empty 0, otherwise Dice', () => {
    expect(diceFromCounts(0, 0, 0)).toBe(1);
    expect(diceFromCounts(5, 0, 0)).toBe(0);
    expect(diceFromCounts(0, 5, 0)).toBe(0);
    expect(diceFromCounts(4, 6, 3)).toBe(0.6); // 2 * 3 / (4 + 6)
  });

  it('counts masks: truth 3 pixels, prediction 2, overlap 1 → 2 / 5', () => {
    const truth = maskFromText('##..', '#...');
    const predicted = maskFromText('.#..', '...#');
    expect(imageScore(truth, predicted)).toBe(0.4);
    expect(runsScore(maskRuns(truth), maskRuns(predicted))).toBe(0.4);
    expect(imageScore(truth, truth)).toBe(1);
    expect(imageScore(createMask(truth), createMask(truth))).toBe(1);
    expect(imageScore(truth, createMask(truth))).toBe(0);
    expect(imageScore(createMask(truth), predicted)).toBe(0);
    expect(runsScore([], [])).toBe(1);
  });

  it('counts only where the masks are, yet counts all of it (first and last pixel set)', () => {
    const truth = maskFromText('#...', '...#');
    const predicted = maskFromText('#...', '....');
    expect(imageScore(truth, predicted)).toBe(2 / 3);
    expect(imageScore(predicted, truth)).toBe(2 / 3);
  });

  it('rejects masks of different sizes', () => {
    expect(() => imageScore(createMask({ rows: 2, columns: 3 }), createMask({ rows: 3, columns: 2 }))).toThrow(/predicted mask is 3 x 2, expected 2 x 3/);
  });

  it('averages over images and refuses an empty set', () => {
    expect(meanScore([1, 0, 0.4])).toBeCloseTo(1.4 / 3, 12);
    expect(() => meanScore([])).toThrow(/no images/);
  });
});
