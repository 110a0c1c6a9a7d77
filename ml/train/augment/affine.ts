import type { CoordinateMap } from './remap';
import type { Shape } from './types';

/** A 2x3 affine matrix [a, b, c, d, e, f]: x' = a x + b y + c, y' = d x + e y + f (cv2's layout). */
export type Affine = [number, number, number, number, number, number];

export function invertAffine([a, b, c, d, e, f]: Affine): Affine {
  const det = a * e - b * d;
  if (det === 0) throw new Error('affine transform is singular');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** cv2.getAffineTransform: the affine taking three source points onto three destination points. */
export function affineFromPoints(src: number[][], dst: number[][]): Affine {
  const [[x0, y0], [x1, y1], [x2, y2]] = src;
  const det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
  if (det === 0) throw new Error('affine transform needs three non-collinear points');
  const solve = (v0: number, v1: number, v2: number): [number, number, number] => [
    (v0 * (y1 - y2) - y0 * (v1 - v2) + (v1 * y2 - v2 * y1)) / det,
    (x0 * (v1 - v2) - v0 * (x1 - x2) + (x1 * v2 - x2 * v1)) / det,
    (x0 * (y1 * v2 - y2 * v1) - y0 * (x1 * v2 - x2 * v1) + v0 * (x1 * y2 - x2 * y1)) / det,
  ];
  return [...solve(dst[0][0], dst[1][0], dst[2][0]), ...solve(dst[0][1], dst[1][1], dst[2][1])] as Affine;
}

/** cv2.warpAffine's sampling: output pixel (x, y) reads the source at inverse(forward) · (x, y). */
export function affineMap(forward: Affine, { rows, columns }: Shape): CoordinateMap {
  const [a, b, c, d, e, f] = invertAffine(forward);
  const x = new Float32Array(rows * columns);
  const y = new Float32Array(rows * columns);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let col = 0; col < columns; col++, i++) {
      x[i] = a * col + b * r + c;
      y[i] = d * col + e * r + f;
    }
  }
  return { rows, columns, x, y };
}
