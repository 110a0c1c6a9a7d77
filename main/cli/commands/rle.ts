import { writeFileAtomically } from '../../fs/atomic-file';
import path from 'node:path';
import { countRows, createMask, decodeImageRows, encodeRle, EMPTY_RLE, formatSubmission, MaskTableError, type MaskTable, type Size } from '../../../ml/post';
import { readMaskTableFile } from '../../fs/read-mask-table';
import { imageSize, imageSizeOptions, reportMaskTableError } from '../mask-table-file';
import { CliUsageError, type CliCommand } from '../run';

export const rle: CliCommand = {
  usage: 'rle roundtrip IN.csv[.gz] --out OUT.csv [--width 1024 --height 1024]',
  summary: 'decode every image of a mask table (several rows of one image unioned) and write it re-encoded as a submission CSV',
  options: { out: { type: 'string' }, ...imageSizeOptions },
  async run({ positionals, values }) {
    if (positionals.length !== 2 || positionals[0] !== 'roundtrip' || typeof values.out !== 'string') {
      throw new CliUsageError(`usage: pleura ${rle.usage}`);
    }
    const input = positionals[1];
    const out = values.out;
    if (path.resolve(out) === path.resolve(input)) throw new CliUsageError('--out must not be the input table');
    const size = imageSize(values);
    try {
      const table = await readMaskTableFile(input);
      const encoded = reencode(table, size);
      await writeFileAtomically(out, formatSubmission(encoded)).catch((error: Error) => {
        throw new MaskTableError(`cannot write ${out}: ${error.message}`);
      });
      const positive = encoded.filter((row) => row.encodedPixels !== EMPTY_RLE).length;
      process.stdout.write(`${JSON.stringify({ rows: countRows(table), images: encoded.length, positive, empty: encoded.length - positive, out })}\n`);
      return 0;
    } catch (error) {
      return reportMaskTableError(error);
    }
  },
};

function reencode(table: MaskTable, size: Size): { imageId: string; encodedPixels: string }[] {
  const mask = createMask(size);
  return [...table].map(([imageId, rows]) => ({ imageId, encodedPixels: encodeRle(decodeImageRows(rows, size, mask)) }));
}
