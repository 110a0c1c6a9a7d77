// The SIIM run-length text (science.md, "Data"): pairs (gap, length) over column-major pixel numbers (see runs.ts),
// the first gap the absolute 0-based start, each later gap counted from the end of the previous run; `-1` alone
// means an empty mask.
import { createMask, checkSize, type Mask, type Size } from './raster';
import { maskRuns, paintRuns, type Runs } from './runs';

export const EMPTY_RLE = '-1';

/** A malformed encoding; the message names what is wrong, the caller adds where (line, ImageId). */
export class RleError extends Error {
  override name = 'RleError';
}

/** The encoding's runs, checked: whole numbers, complete pairs, lengths of at least 1, inside a `size` image. */
export function parseRle(encoded: string, size: Size): Runs {
  checkSize(size);
  const tokens = encoded.trim().split(/\s+/);
  if (tokens.length === 1 && tokens[0] === EMPTY_RLE) return [];
  if (tokens[0] === '') throw new RleError(`the encoding is blank; an empty mask is written ${EMPTY_RLE}`);
  if (tokens.length % 2 !== 0) throw new RleError(`odd number of values (${tokens.length}); runs are (gap, length) pairs`);
  const total = size.rows * size.columns;
  const runs: Runs = [];
  let end = 0;
  const value = (index: number): number => {
    if (!/^\d+$/.test(tokens[index])) throw new RleError(`value ${index + 1} "${tokens[index].slice(0, 20)}" is not a non-negative integer`);
    return Number(tokens[index]);
  };
  for (let i = 0; i < tokens.length; i += 2) {
    const start = end + value(i);
    const length = value(i + 1);
    if (length < 1) throw new RleError(`run ${i / 2 + 1} has length ${length}; lengths must be at least 1`);
    end = start + length;
    if (end > total) {
      throw new RleError(`run ${i / 2 + 1} covers pixels ${start}..${end - 1}, beyond the ${total} pixels of a ${size.rows} x ${size.columns} image`);
    }
    runs.push(start, end);
  }
  return runs;
}

/** Writes sorted, non-overlapping runs; touching runs become one, so equal masks always give equal text. */
export function formatRle(runs: Runs): string {
  if (runs.length === 0) return EMPTY_RLE;
  const parts: number[] = [];
  let previousEnd = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const start = runs[i];
    const end = runs[i + 1];
    if (!(start >= previousEnd && end > start)) throw new RangeError(`runs must be sorted and not overlap: ${start}..${end} after ${previousEnd}`);
    if (i > 0 && start === previousEnd) parts[parts.length - 1] += end - start;
    else parts.push(start - previousEnd, end - start);
    previousEnd = end;
  }
  return parts.join(' ');
}

export function decodeRle(encoded: string, size: Size): Mask {
  const mask = createMask(size);
  paintRle(mask, encoded);
  return mask;
}

/** Sets the encoding's pixels in `mask` and leaves the others as they are: several rows of one image are a union. */
export function paintRle(mask: Mask, encoded: string): void {
  paintRuns(mask, parseRle(encoded, mask));
}

/**
 * Encodes a mask (any non-zero value counts as set) with maximal runs, so runs touching the first or the last pixel
 * are kept — the places where the challenge's own `mask2rle` went wrong (it dropped a run still open at the last
 * pixel) — and a run crossing from the bottom of one column to the top of the next is one run.
 */
export function encodeRle(mask: Mask): string {
  return formatRle(maskRuns(mask));
}
