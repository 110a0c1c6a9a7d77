// The demonstration model's operating point, on hand-made grid counts: rates per triplet and the choice rule
// (most sensitive at or above the specificity floor, then the best mean Dice; the most specific when none reaches it).
import { describe, expect, it } from 'vitest';
import type { ImageCounts } from '../../../ml/post';
import { chooseOperatingPoint, gridRates, type OperatingPoint } from '../../../main/training/operating-point';

const grid = { tops: [0.5], minAreas: [100, 300], bottoms: [0.3] };
/** A 1024² image (no area scaling) with `strong` pixels above the top and, above the bottom, `predicted` (`overlap` in the truth). */
const image = (truthArea: number, strong: number, predicted: number, overlap: number): ImageCounts => ({
  rows: 1024,
  columns: 1024,
  truthArea,
  strong: [strong],
  predicted: [predicted],
  overlap: [overlap],
});

describe('gridRates', () => {
  it('flags an image when its strong pixels reach min_area, and scores it with the challenge metric', () => {
    const counts = [image(400, 200, 400, 400), image(0, 0, 0, 0), image(0, 150, 150, 0), image(500, 400, 500, 250)];
    const [loose, strict] = gridRates(counts, grid);
    // min_area 100: both positives flagged (Dice 1 and 2·250/1000 = 0.5), one negative flagged (0), one clear (1)
    expect(loose).toMatchObject({ minArea: 100, sensitivity: 1, specificity: 0.5, meanDice: 2.5 / 4 });
    // min_area 300: the first positive (200 strong) and the flagged negative drop out
    expect(strict).toMatchObject({ minArea: 300, sensitivity: 0.5, specificity: 1, meanDice: 2.5 / 4 });
  });
});

describe('chooseOperatingPoint', () => {
  const point = (minArea: number, sensitivity: number, specificity: number, meanDice: number): OperatingPoint => ({ top: 0.5, minArea, bottom: 0.3, sensitivity, specificity, meanDice });
  it('takes the most sensitive point at or above the floor, then the best mean Dice', () => {
    const points = [point(100, 0.95, 0.8, 0.7), point(200, 0.85, 0.92, 0.8), point(300, 0.85, 0.95, 0.85), point(400, 0.7, 1, 0.9)];
    expect(chooseOperatingPoint(points, 0.92).minArea).toBe(300);
  });
  it('falls back to the most specific points when none reaches the floor', () => {
    const points = [point(100, 0.95, 0.5, 0.7), point(200, 0.8, 0.7, 0.6), point(300, 0.6, 0.7, 0.8)];
    expect(chooseOperatingPoint(points, 0.92).minArea).toBe(200);
  });
});
