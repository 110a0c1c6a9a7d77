import type { Plane } from '../../../../ml/preprocess';
import type { Mask } from '../../../../ml/train/augment';

/** A dark textured image with one bright square, and the mask of exactly that square. */
export function squareScene(rows: number, columns: number, square = { top: 20, left: 26, size: 22 }) {
  const image: Plane = { rows, columns, data: new Float32Array(rows * columns) };
  const mask: Mask = { rows, columns, data: new Uint8Array(rows * columns) };
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const inside = r >= square.top && r < square.top + square.size && c >= square.left && c < square.left + square.size;
      image.data[r * columns + c] = inside ? 230 : 20 + ((r * 7 + c * 3) % 40);
      mask.data[r * columns + c] = inside ? 1 : 0;
    }
  }
  return { image, mask };
}

/** Centroid and size of the pixels passing `inside`. */
export function blobCentroid(plane: { rows: number; columns: number; data: ArrayLike<number> }, inside: (v: number) => boolean) {
  let count = 0;
  let row = 0;
  let column = 0;
  for (let r = 0; r < plane.rows; r++) {
    for (let c = 0; c < plane.columns; c++) {
      if (!inside(plane.data[r * plane.columns + c])) continue;
      count++;
      row += r;
      column += c;
    }
  }
  return { count, row: row / count, column: column / count };
}
