import { describe, expect, it } from 'vitest';
import { createMask, decodeRle, EMPTY_RLE, encodeRle, formatRle, paintRle, parseRle, RleError } from '../../../ml/post';
import { maskFromText } from '../../fixtures/masks';

// 3 rows x 4 columns, so column-major pixel numbers are k = column * 3 + row:
//    0  3  6  9
//    1  4  7 10
//    2  5  8 11
// Set pixels 0, 1 (column 0) and 7, 8, 9, 10, 11: runs [0, 2) and [7, 12) — the first run starts at the first
// pixel, the second ends at the last pixel and crosses from the bottom of column 2 to the top of column 3.
const size = { rows: 3, columns: 4 };
const drawn = maskFromText(
  '#..#', //
  '#.##',
  '..##',
);
const encoded = '0 2 5 5'; // start 0 length 2; then 7 - 2 = 5 after the first run's end, length 5

describe('SIIM run-length encoding', () => {
  it('decodes column-major, with later gaps counted from the end of the previous run', () => {
    expect(parseRle(encoded, size)).toEqual([0, 2, 7, 12]);
    expect(decodeRle(encoded, size)).toEqual(drawn);
  });

  it('encodes runs that touch the first and the last pixel, and a run crossing into the next column as one', () => {
    expect(encodeRle(drawn)).toBe(encoded);
    expect(encodeRle(maskFromText('....', '....', '...#'))).toBe('11 1'); // only the last pixel
    expect(encodeRle(maskFromText('#...', '....', '....'))).toBe('0 1'); // only the first pixel
  });

  it('encodes an empty mask as -1 and decodes -1 as empty', () => {
    expect(encodeRle(createMask(size))).toBe(EMPTY_RLE);
    expect(decodeRle(' -1 ', size)).toEqual(createMask(size));
  });

  it('encodes an all-ones mask as one run from pixel 0', () => {
    expect(encodeRle(maskFromText('####', '####', '####'))).toBe('0 12');
  });

  it('numbers a non-square image by its column height: pixel (row r, column c) is c * rows + r', () => {
    // 2 rows x 3 columns: pixel (row 1, column 2) is 2 * 2 + 1 = 5, pixel (row 0, column 1) is 2.
    expect(encodeRle(maskFromText('.#.', '..#'))).toBe('2 1 2 1');
    expect(decodeRle('5 1', { rows: 2, columns: 3 })).toEqual(maskFromText('...', '..#'));
  });

  it('unions rows painted into the same mask', () => {
    const mask = createMask(size);
    paintRle(mask, '1 2'); // pixels 1, 2
    paintRle(mask, '2 3'); // pixels 2, 3, 4
    expect(encodeRle(mask)).toBe('1 4');
  });

  it('tolerates surrounding and repeated white space', () => {
    expect(parseRle('  0  2\t5 5 ', size)).toEqual([0, 2, 7, 12]);
  });

  it('writes touching runs as one, so equal masks give equal text', () => {
    expect(formatRle([0, 2, 2, 4, 6, 7])).toBe('0 4 2 1');
    expect(formatRle([])).toBe(EMPTY_RLE);
    expect(() => formatRle([0, 4, 3, 5])).toThrow(/sorted and not overlap/);
  });

  it('round-trips random masks of many shapes, and encodes them as a plain column-major walk would', () => {
    let seed = 3;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(random() * 12);
      const columns = 1 + Math.floor(random() * 40);
      const density = random();
      const mask = { rows, columns, data: Uint8Array.from({ length: rows * columns }, () => (random() < density ? 1 : 0)) };
      const encoded = encodeRle(mask);
      expect(encoded).toBe(walkEncode(mask));
      expect(decodeRle(encoded, mask)).toEqual(mask);
    }
  });

  it.each([
    ['', /blank; an empty mask is written -1/],
    ['0 2 5', /odd number of values \(3\)/],
    ['0 2.5', /value 2 "2.5" is not a non-negative integer/],
    ['-1 3', /value 1 "-1" is not a non-negative integer/],
    ['0 0', /run 1 has length 0/],
    ['10 3', /run 1 covers pixels 10..12, beyond the 12 pixels of a 3 x 4 image/],
    ['0 2 9 2', /run 2 covers pixels 11..12/],
  ])('rejects %j with a specific message', (text, message) => {
    expect(() => parseRle(text, size)).toThrow(RleError);
    expect(() => parseRle(text, size)).toThrow(message);
  });
});

/** The obvious encoder: visit pixels in column-major order, close a run at every 1 → 0 step and at the end. */
function walkEncode({ rows, columns, data }: { rows: number; columns: number; data: Uint8Array }): string {
  const numbers: number[] = [];
  let previousEnd = 0;
  let start = -1;
  for (let k = 0; k <= rows * columns; k++) {
    const set = k < rows * columns && data[(k % rows) * columns + Math.floor(k / rows)] === 1;
    if (set && start < 0) start = k;
    if (!set && start >= 0) {
      numbers.push(start - previousEnd, k - start);
      previousEnd = k;
      start = -1;
    }
  }
  return numbers.length === 0 ? EMPTY_RLE : numbers.join(' ');
}
