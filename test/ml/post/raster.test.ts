import { describe, expect, it } from 'vitest';
import { checkRaster, countAbove, createMask, firstNonZero, lastNonZero, maskAbove, maskArea, maxValue } from '../../../ml/post';
import { mapFromRows, maskFromText } from '../../fixtures/masks';

describe('raster basics', () => {
  it('thresholds strictly, in float32: a pixel holding float32(0.3) is not above 0.3, as in NumPy and PyTorch', () => {
    const map = mapFromRows([
      [0.3, 0.31, 0.2],
      [0.9, 0.3, 0],
    ]);
    expect(Array.from(maskAbove(map, 0.3).data)).toEqual([0, 1, 0, 1, 0, 0]);
    expect(countAbove(map, 0.3)).toBe(2);
    expect(maxValue(map)).toBeCloseTo(0.9, 6);
    expect(maskArea(maskFromText('#.#', '..#'))).toBe(3);
  });

  it('rejects sizes and data that do not agree', () => {
    expect(() => createMask({ rows: 0, columns: 4 })).toThrow(/positive integers/);
    expect(() => checkRaster({ rows: 2, columns: 2, data: new Uint8Array(3) }, 'mask')).toThrow(/holds 3 values, but 2 x 2 needs 4/);
    expect(() => checkRaster(createMask({ rows: 2, columns: 3 }), 'mask', { rows: 3, columns: 2 })).toThrow(/mask is 2 x 3, expected 3 x 2/);
  });

  it('finds the first and last non-zero byte at every position, whatever the alignment and range', () => {
    // 100 bytes cover unaligned heads, whole 32-byte blocks and tails; a subarray makes the buffer itself unaligned.
    const backing = new Uint8Array(103);
    const data = backing.subarray(3);
    expect(firstNonZero(data)).toBe(-1);
    expect(lastNonZero(data)).toBe(-1);
    for (let i = 0; i < data.length; i++) {
      data.fill(0);
      data[i] = 7;
      expect(firstNonZero(data)).toBe(i);
      expect(lastNonZero(data)).toBe(i);
      expect(firstNonZero(data, i + 1)).toBe(-1);
      expect(lastNonZero(data, 0, i)).toBe(-1);
      expect(firstNonZero(data, 0, i)).toBe(-1);
      expect(lastNonZero(data, i + 1)).toBe(-1);
    }
    data.fill(0);
    data[5] = data[40] = data[90] = 1;
    expect(firstNonZero(data, 6)).toBe(40);
    expect(lastNonZero(data, 0, 90)).toBe(40);
    expect(firstNonZero(data, 41, 90)).toBe(-1);
  });
});
