import { describe, expect, it } from 'vitest';
import { affineFromPoints, applyAffine } from '../../../renderer/viewer/image-transform';

describe('affineFromPoints', () => {
  it('recovers zoom and pan from where the origin and the unit steps land', () => {
    const map = affineFromPoints([10, 20], [12, 20], [10, 23]);
    expect(map).toEqual([2, 0, 0, 3, 10, 20]);
    expect(applyAffine(map, [5, 4])).toEqual([20, 32]);
  });

  it('keeps a horizontal flip', () => {
    const map = affineFromPoints([100, 0], [98, 0], [100, 2]);
    expect(map).toEqual([-2, 0, 0, 2, 100, 0]);
    expect(applyAffine(map, [10, 5])).toEqual([80, 10]);
  });

  it('keeps a quarter turn (x goes down the canvas, y to the left)', () => {
    const map = affineFromPoints([50, 50], [50, 51], [49, 50]);
    expect(applyAffine(map, [3, 2])).toEqual([48, 53]);
  });
});
