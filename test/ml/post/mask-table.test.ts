import { describe, expect, it } from 'vitest';
import { countRows, decodeImageRows, formatSubmission, imageRuns, MaskTableError, parseMaskTable, createMask } from '../../../ml/post';
import { maskFromText } from '../../fixtures/masks';

const size = { rows: 3, columns: 4 };

describe('mask tables', () => {
  it('reads the SIIM header with its space, values with leading spaces, CRLF, a BOM and blank lines', () => {
    const table = parseMaskTable('\uFEFFImageId, EncodedPixels\r\n a, -1\r\nb, 0 2 5 5\r\n\r\nb,1 1\r\n', 'train.csv');
    expect([...table.keys()]).toEqual(['a', 'b']);
    expect(countRows(table)).toBe(3);
    expect(table.get('b')).toEqual([
      { source: 'train.csv', line: 3, imageId: 'b', encodedPixels: '0 2 5 5' },
      { source: 'train.csv', line: 5, imageId: 'b', encodedPixels: '1 1' },
    ]);
  });

  it('reads the submission header too', () => {
    expect(parseMaskTable('ImageId,EncodedPixels\nx,-1').get('x')?.[0].encodedPixels).toBe('-1');
  });

  it('unions the rows of one image', () => {
    const table = parseMaskTable('ImageId,EncodedPixels\nb,0 2 5 5\nb,2 2\nb,-1\n');
    // "0 2 5 5" sets pixels 0, 1, 7..11; "2 2" sets pixels 2, 3 (row 2 of column 0, row 0 of column 1).
    expect(imageRuns(table.get('b')!, size)).toEqual([0, 4, 7, 12]);
    expect(decodeImageRows(table.get('b')!, size)).toEqual(maskFromText('##.#', '#.##', '#.##'));
  });

  it('clears a reused mask before decoding into it', () => {
    const table = parseMaskTable('ImageId,EncodedPixels\na,0 12\nb,11 1\n');
    const mask = createMask(size);
    decodeImageRows(table.get('a')!, size, mask);
    expect(decodeImageRows(table.get('b')!, size, mask)).toEqual(maskFromText('....', '....', '...#'));
    expect(() => decodeImageRows(table.get('b')!, { rows: 4, columns: 3 }, mask)).toThrow(/reused mask is 3 x 4, expected 4 x 3/);
  });

  it('names the source, line and ImageId of a malformed row', () => {
    expect(() => parseMaskTable('Image,Pixels\n', 't.csv')).toThrow('t.csv: line 1: not a mask table: expected the header "ImageId,EncodedPixels"');
    // Any file may be named as a table: its first line is never quoted back.
    expect(() => parseMaskTable('root:x:0:0:secret\n', 't.csv')).toThrow(new MaskTableError('t.csv: line 1: not a mask table: expected the header "ImageId,EncodedPixels"'));
    expect(() => parseMaskTable('ImageId,EncodedPixels\na,-1\nb,1 2,3\n', 't.csv')).toThrow('t.csv: line 3: expected 2 comma-separated values (ImageId, EncodedPixels), found 3');
    expect(() => parseMaskTable('ImageId,EncodedPixels\n ,-1\n', 't.csv')).toThrow('t.csv: line 2: the ImageId is blank');
    const table = parseMaskTable('ImageId,EncodedPixels\na,-1\nb,0 2 5\n', 't.csv');
    expect(() => imageRuns(table.get('b')!, size)).toThrow(MaskTableError);
    expect(() => imageRuns(table.get('b')!, size)).toThrow('t.csv: line 3 (ImageId b): odd number of values (3); runs are (gap, length) pairs');
  });

  it('writes a submission: header without the space, -1 for empty', () => {
    expect(formatSubmission([{ imageId: 'a', encodedPixels: '-1' }, { imageId: 'b', encodedPixels: '0 2 5 5' }])).toBe('ImageId,EncodedPixels\na,-1\nb,0 2 5 5\n');
    expect(() => formatSubmission([{ imageId: 'a,b', encodedPixels: '-1' }])).toThrow(/may not contain commas/);
  });
});
