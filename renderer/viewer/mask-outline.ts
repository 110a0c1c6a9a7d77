// The mask's contour as line segments along pixel edges: every edge between a set pixel and an unset one (or the
// image border), in image coordinates where pixel (row r, column c) covers x c..c+1, y r..r+1. Collinear edges in a
// row or column are joined, so a 1024 x 1024 mask gives a few thousand segments, not one per pixel edge.
import type { Mask } from '../../ml/post/raster';

/** [x0, y0, x1, y1, …]: horizontal segments first (top to bottom), then vertical ones (left to right). */
export function maskOutline(mask: Mask): number[] {
  const { rows, columns, data } = mask;
  if (data.length !== rows * columns) throw new RangeError(`mask holds ${data.length} values, but ${rows} x ${columns} needs ${rows * columns}`);
  const set = (r: number, c: number) => r >= 0 && r < rows && c >= 0 && c < columns && data[r * columns + c] !== 0;
  const segments: number[] = [];
  // Horizontal edge y = r lies between rows r - 1 and r.
  for (let y = 0; y <= rows; y++) {
    let start = -1;
    for (let c = 0; c <= columns; c++) {
      const edge = c < columns && set(y - 1, c) !== set(y, c);
      if (edge && start < 0) start = c;
      if (!edge && start >= 0) {
        segments.push(start, y, c, y);
        start = -1;
      }
    }
  }
  // Vertical edge x = c lies between columns c - 1 and c.
  for (let x = 0; x <= columns; x++) {
    let start = -1;
    for (let r = 0; r <= rows; r++) {
      const edge = r < rows && set(r, x - 1) !== set(r, x);
      if (edge && start < 0) start = r;
      if (!edge && start >= 0) {
        segments.push(x, start, x, r);
        start = -1;
      }
    }
  }
  return segments;
}
