// Runs of set pixels: the middle ground between the RLE text and a mask. Pixels are numbered column-major, as the
// SIIM encoding numbers them: pixel (row r, column c) of an image with `rows` rows is number c * rows + r, so a run
// walks down a column and may carry on at the top of the next one. (science.md writes "column k // width, row
// k % width"; SIIM images are square, where that is the same thing, and counting by the column height is what keeps
// the numbering one-to-one on non-square images.) Scoring a table works on runs alone, without 1 MB masks.
import { checkRaster, firstNonZero, lastNonZero, type Mask } from './raster';

/** [start0, end0, start1, end1, …]: absolute pixel numbers, ends exclusive, sorted and not overlapping. */
export type Runs = number[];

export function paintRuns(mask: Mask, runs: Runs): void {
  checkRaster(mask, 'mask');
  const { rows, columns, data } = mask;
  for (let i = 0; i < runs.length; i += 2) {
    const end = runs[i + 1];
    if (end > rows * columns) throw new RangeError(`run ${runs[i]}..${end - 1} lies beyond the ${rows * columns} pixels of the mask`);
    let column = Math.floor(runs[i] / rows);
    let row = runs[i] - column * rows;
    for (let k = runs[i]; k < end; k++) {
      data[row * columns + column] = 1;
      if (++row === rows) {
        row = 0;
        column++;
      }
    }
  }
}

/** The mask's maximal runs (any non-zero value counts as set), so a run crossing into the next column is one run. */
export function maskRuns(mask: Mask): Runs {
  checkRaster(mask, 'mask');
  const { rows, columns, data } = mask;
  const runs: Runs = [];
  const first = firstNonZero(data);
  if (first < 0) return runs;
  // Walking column-major strides through the row-major data, which is slow; so walk only the box that holds the
  // set pixels, found by fast row-major scans. Pixels outside the box are 0 and cannot extend a run.
  const top = Math.floor(first / columns);
  const bottom = Math.floor(lastNonZero(data) / columns);
  let left = columns;
  let right = -1;
  for (let row = top; row <= bottom; row++) {
    const rowStart = row * columns;
    const firstInRow = firstNonZero(data, rowStart, rowStart + left);
    if (firstInRow >= 0) left = firstInRow - rowStart;
    const lastInRow = lastNonZero(data, rowStart + right + 1, rowStart + columns);
    if (lastInRow >= 0) right = lastInRow - rowStart;
  }
  let end = -1;
  for (let column = left; column <= right; column++) {
    for (let row = top; row <= bottom; row++) {
      if (data[row * columns + column] === 0) continue;
      const k = column * rows + row;
      if (k === end) runs[runs.length - 1] = ++end;
      else runs.push(k, (end = k + 1));
    }
  }
  return runs;
}

/** The union of several run lists (several RLE rows of one image): sorted, with touching runs merged. */
export function unionRuns(lists: readonly Runs[]): Runs {
  const pairs: [number, number][] = [];
  for (const runs of lists) for (let i = 0; i < runs.length; i += 2) pairs.push([runs[i], runs[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const union: Runs = [];
  for (const [start, end] of pairs) {
    if (union.length > 0 && start <= union[union.length - 1]) union[union.length - 1] = Math.max(union[union.length - 1], end);
    else union.push(start, end);
  }
  return union;
}

export function runsArea(runs: Runs): number {
  let area = 0;
  for (let i = 0; i < runs.length; i += 2) area += runs[i + 1] - runs[i];
  return area;
}

/** Pixels in both run lists: one merge-like pass over the two sorted lists. */
export function runsOverlap(a: Runs, b: Runs): number {
  let overlap = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    overlap += Math.max(0, Math.min(a[i + 1], b[j + 1]) - Math.max(a[i], b[j]));
    if (a[i + 1] < b[j + 1]) i += 2;
    else j += 2;
  }
  return overlap;
}
