// The whole SIIM training mask table through the RLE codec: every image decodes inside 1024 x 1024 and re-encodes
// to the same pixels. Kept to a few seconds: an empty image's rows are checked as text (they parse to no runs), so
// only the 2,669 positive images pay for 1 MB masks, and those share two buffers.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { countRows, createMask, decodeImageRows, encodeRle, formatRle, imageRuns, parseMaskTable, paintRle, runsArea, REFERENCE_SIZE } from '../../../ml/post';
import { describeWithSharedData, sharedFile } from '../../support/shared-data';

describeWithSharedData('the SIIM training mask table (train-rle.csv.gz)', () => {
  it('has 12,954 rows and 12,047 images, 2,669 positive, and every mask round-trips through the pixels', () => {
    const table = parseMaskTable(gunzipSync(readFileSync(sharedFile('siim', 'train-rle.csv.gz'))).toString('utf8'), 'train-rle.csv.gz');
    expect(countRows(table)).toBe(12954);
    expect(table.size).toBe(12047);

    const mask = createMask(REFERENCE_SIZE);
    const again = createMask(REFERENCE_SIZE);
    const areas = new Map<string, number>();
    let positive = 0;
    let unchangedText = 0;
    for (const [imageId, rows] of table) {
      const runs = imageRuns(rows, REFERENCE_SIZE); // throws, naming the line, if a run leaves the 1024 x 1024 image
      if (runs.length === 0) {
        expect(rows.every((row) => row.encodedPixels === '-1')).toBe(true);
        continue;
      }
      positive++;
      const encoded = encodeRle(decodeImageRows(rows, REFERENCE_SIZE, mask));
      expect(encoded).toBe(formatRle(runs)); // the pixel path agrees with the run path
      again.data.fill(0);
      paintRle(again, encoded);
      if (!Buffer.from(again.data.buffer).equals(Buffer.from(mask.data.buffer))) throw new Error(`${imageId}: re-encoded mask differs`);
      if (rows.length === 1 && encoded === rows[0].encodedPixels) unchangedText++;
      areas.set(imageId, runsArea(runs));
    }
    expect(positive).toBe(2669);
    expect(table.size - positive).toBe(9378);
    // Single-row images come back as the very same text: the table is written with maximal runs, as this encoder writes.
    expect(unchangedText).toBe([...table.values()].filter((rows) => rows.length === 1 && rows[0].encodedPixels !== '-1').length);
    // The two positive images of ../shared/data/siim (README: 10,133 pixels; 4 rows unioned, 69,274 pixels).
    expect(areas.get('1.2.276.0.7230010.3.1.4.8323329.301.1517875162.280319')).toBe(10133);
    expect(table.get('1.2.276.0.7230010.3.1.4.8323329.307.1517875162.311533')).toHaveLength(4);
    expect(areas.get('1.2.276.0.7230010.3.1.4.8323329.307.1517875162.311533')).toBe(69274);
  });
});
