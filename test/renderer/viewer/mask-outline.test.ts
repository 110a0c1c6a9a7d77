import { describe, expect, it } from 'vitest';
import { maskOutline } from '../../../renderer/viewer/mask-outline';

const mask = (rows: number, columns: number, values: number[]) => ({ rows, columns, data: new Uint8Array(values) });

/** Total length of axis-aligned segments. */
const length = (segments: number[]) => {
  let sum = 0;
  for (let i = 0; i < segments.length; i += 4) sum += Math.abs(segments[i + 2] - segments[i]) + Math.abs(segments[i + 3] - segments[i + 1]);
  return sum;
};

describe('maskOutline', () => {
  it('draws the four edges of a single pixel (pixel r, c covers x c..c+1, y r..r+1)', () => {
    expect(maskOutline(mask(3, 3, [0, 0, 0, 0, 1, 0, 0, 0, 0]))).toEqual([1, 1, 2, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 1, 2, 2]);
  });

  it('joins collinear edges and closes the outline at the image border', () => {
    expect(maskOutline(mask(2, 3, [1, 1, 1, 1, 1, 1]))).toEqual([0, 0, 3, 0, 0, 2, 3, 2, 0, 0, 0, 2, 3, 0, 3, 2]);
  });

  it('follows a concave corner: an L of three pixels has a perimeter of 8', () => {
    const outline = maskOutline(mask(2, 2, [1, 0, 1, 1]));
    expect(outline).toEqual([0, 0, 1, 0, 1, 1, 2, 1, 0, 2, 2, 2, 0, 0, 0, 2, 1, 0, 1, 1, 2, 1, 2, 2]);
    expect(length(outline)).toBe(8);
  });

  it('draws nothing for an empty mask and keeps holes as inner outlines', () => {
    expect(maskOutline(mask(2, 2, [0, 0, 0, 0]))).toEqual([]);
    // A 3 x 3 ring around one unset pixel: outer perimeter 12, hole perimeter 4.
    expect(length(maskOutline(mask(3, 3, [1, 1, 1, 1, 0, 1, 1, 1, 1])))).toBe(16);
  });

  it('names a mask whose size does not match its data', () => {
    expect(() => maskOutline(mask(2, 2, [1]))).toThrow('mask holds 1 values, but 2 x 2 needs 4');
  });
});
