import { describe, expect, it } from 'vitest';
import { parseMaskTable, scoreTables } from '../../../ml/post';

const size = { rows: 3, columns: 4 };

describe('scoring a prediction table against a truth table', () => {
  it('pairs images by ImageId; a missing prediction scores as empty, an unknown one is left out', () => {
    const truth = parseMaskTable('ImageId, EncodedPixels\na, -1\nb, 0 2 5 5\nc, 0 1\n');
    const predicted = parseMaskTable('ImageId,EncodedPixels\nd,0 1\nb,0 2\na,-1\n');
    // a: both empty → 1; b: truth 7 pixels, prediction 2 inside it → 2 * 2 / 9; c: no prediction → 0.
    expect(scoreTables(truth, predicted, size)).toEqual({ score: (1 + 4 / 9 + 0) / 3, images: 3, missingPredictions: 1, unknownPredictions: 1 });
  });

  it('unions several rows on either side before scoring', () => {
    const truth = parseMaskTable('ImageId,EncodedPixels\nb,0 2\nb,7 5\n');
    const predicted = parseMaskTable('ImageId,EncodedPixels\nb,0 2 5 5\n');
    expect(scoreTables(truth, predicted, size).score).toBe(1);
  });

  it('refuses an empty truth table', () => {
    expect(() => scoreTables(parseMaskTable('ImageId,EncodedPixels\n'), parseMaskTable('ImageId,EncodedPixels\n'), size)).toThrow(/no images/);
  });
});
