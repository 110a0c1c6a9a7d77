// The two rasters post-processing works on: a probability map from the model and a binary mask. Both are row-major
// (index = row * columns + column), like DecodedImage.pixels, so a mask overlays the image it came from unchanged.

export interface Size {
  rows: number;
  columns: number;
}

/** A binary mask: row-major, rows * columns values, each 0 or 1. */
export interface Mask extends Size {
  data: Uint8Array;
}

/** Per-pixel probabilities in [0, 1] (sigmoid already applied), row-major, rows * columns values. */
export interface ProbabilityMap extends Size {
  data: Float32Array;
}

export function createMask(size: Size): Mask {
  checkSize(size);
  return { rows: size.rows, columns: size.columns, data: new Uint8Array(size.rows * size.columns) };
}

export function checkSize(size: Size): void {
  if (!Number.isSafeInteger(size.rows) || !Number.isSafeInteger(size.columns) || size.rows < 1 || size.columns < 1) {
    throw new RangeError(`image size must be positive integers, got ${size.rows} x ${size.columns} (rows x columns)`);
  }
}

/** Throws unless the raster's data length matches its size, and (when given) its size matches `expected`. */
export function checkRaster(raster: Size & { data: ArrayLike<number> }, what: string, expected?: Size): void {
  checkSize(raster);
  if (raster.data.length !== raster.rows * raster.columns) {
    throw new RangeError(`${what} holds ${raster.data.length} values, but ${raster.rows} x ${raster.columns} needs ${raster.rows * raster.columns}`);
  }
  if (expected && (raster.rows !== expected.rows || raster.columns !== expected.columns)) {
    throw new RangeError(`${what} is ${raster.rows} x ${raster.columns}, expected ${expected.rows} x ${expected.columns}`);
  }
}

/**
 * A threshold as the challenge's code compared it: NumPy and PyTorch compare a float32 map with a Python float in
 * float32, so `p > 0.3` is false for a pixel holding float32(0.3) (0.300000012), which a float64 comparison would
 * call above 0.3. Every comparison of probabilities with a threshold goes through this.
 */
export function float32Threshold(threshold: number): number {
  return Math.fround(threshold);
}

/** The mask of pixels strictly above `threshold` — every rule in science.md compares with a strict ">". */
export function maskAbove(map: ProbabilityMap, threshold: number): Mask {
  checkRaster(map, 'probability map');
  const mask = createMask(map);
  const { data } = map;
  const t = float32Threshold(threshold);
  for (let i = 0; i < data.length; i++) if (data[i] > t) mask.data[i] = 1;
  return mask;
}

export function countAbove(map: ProbabilityMap, threshold: number): number {
  const { data } = map;
  const t = float32Threshold(threshold);
  let count = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > t) count++;
  return count;
}

export function maskArea(mask: Mask): number {
  const { data } = mask;
  let area = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) area++;
  return area;
}

/** Largest value of the map, -Infinity for no pixels. */
export function maxValue(map: ProbabilityMap): number {
  const { data } = map;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
  return max;
}

/**
 * Index of the first non-zero byte of data[from, to), or -1. Empty masks are the common case (78% of SIIM images)
 * and finding that out means reading every byte, so this reads 32 bytes per step where the buffer allows: OR-ing
 * eight 32-bit words and testing once is three times faster here than testing each word.
 */
export function firstNonZero(data: Uint8Array, from = 0, to = data.length): number {
  const { words, start, end } = alignedWords(data, from, to);
  for (let i = from; i < start; i++) if (data[i] !== 0) return i;
  for (let w = 0; w < words.length; w += 8) {
    if ((words[w] | words[w + 1] | words[w + 2] | words[w + 3] | words[w + 4] | words[w + 5] | words[w + 6] | words[w + 7]) !== 0) {
      for (let i = start + w * 4; ; i++) if (data[i] !== 0) return i;
    }
  }
  for (let i = end; i < to; i++) if (data[i] !== 0) return i;
  return -1;
}

/** Index of the last non-zero byte of data[from, to), or -1; the mirror of firstNonZero. */
export function lastNonZero(data: Uint8Array, from = 0, to = data.length): number {
  const { words, start, end } = alignedWords(data, from, to);
  for (let i = to - 1; i >= end; i--) if (data[i] !== 0) return i;
  for (let w = words.length - 8; w >= 0; w -= 8) {
    if ((words[w] | words[w + 1] | words[w + 2] | words[w + 3] | words[w + 4] | words[w + 5] | words[w + 6] | words[w + 7]) !== 0) {
      for (let i = start + w * 4 + 31; ; i--) if (data[i] !== 0) return i;
    }
  }
  for (let i = start - 1; i >= from; i--) if (data[i] !== 0) return i;
  return -1;
}

/** The whole blocks of eight aligned 32-bit words inside data[from, to), and the byte range [start, end) they cover. */
function alignedWords(data: Uint8Array, from: number, to: number): { words: Int32Array; start: number; end: number } {
  const start = Math.min(to, from + ((4 - ((data.byteOffset + from) % 4)) % 4));
  const count = Math.max(0, Math.floor((to - start) / 32) * 8);
  const words = count > 0 ? new Int32Array(data.buffer, data.byteOffset + start, count) : new Int32Array(0);
  return { words, start, end: start + count * 4 };
}
