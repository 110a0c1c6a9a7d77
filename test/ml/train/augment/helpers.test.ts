import { describe, expect, it } from 'vitest';
import { affineFromPoints, invertAffine, type Affine } from '../../../../ml/train/augment/affine';
import { gaussianBlur } from '../../../../ml/train/augment/gaussian-blur';
import { reflect101 } from '../../../../ml/train/augment/remap';

describe('augmentation helpers', () => {
  it('reflect101 mirrors without repeating the edge, even far outside', () => {
    // cv2.BORDER_REFLECT_101 on 0..4: ... 2 1 | 0 1 2 3 4 | 3 2 ...
    expect([-2, -1, 0, 4, 5, 6].map((i) => reflect101(i, 5))).toEqual([2, 1, 0, 4, 3, 2]);
    expect(reflect101(-9, 5)).toBe(1);
    expect(reflect101(17, 5)).toBe(1);
    expect(reflect101(-3, 1)).toBe(0);
  });

  it('affineFromPoints recovers a known affine and invertAffine undoes it', () => {
    const m: Affine = [0.9, 0.2, 5, -0.1, 1.1, -3];
    const apply = ([a, b, c, d, e, f]: Affine, [x, y]: number[]) => [a * x + b * y + c, d * x + e * y + f];
    const src = [[10, 10], [40, 12], [15, 50]];
    const found = affineFromPoints(src, src.map((p) => apply(m, p)));
    found.forEach((v, i) => expect(v).toBeCloseTo(m[i], 10));
    const back = apply(invertAffine(m), apply(m, [7, 9]));
    expect(back[0]).toBeCloseTo(7, 10);
    expect(back[1]).toBeCloseTo(9, 10);
  });

  it('gaussianBlur keeps a constant field, conserves an impulse and spreads it with the given sigma', () => {
    const flat = new Float32Array(30 * 20).fill(3);
    gaussianBlur(flat, 30, 20, 2);
    flat.forEach((v) => expect(v).toBeCloseTo(3, 4));
    const n = 61;
    const impulse = new Float32Array(n * n);
    impulse[30 * n + 30] = 1;
    gaussianBlur(impulse, n, n, 3);
    let sum = 0;
    let variance = 0;
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      sum += impulse[r * n + c];
      variance += impulse[r * n + c] * (c - 30) ** 2;
    }
    expect(sum).toBeCloseTo(1, 4);
    expect(Math.sqrt(variance)).toBeCloseTo(3, 1);
  });
});
