import { scoreTables } from '../../../ml/post';
import { readMaskTableFile } from '../../fs/read-mask-table';
import { imageSize, imageSizeOptions, reportMaskTableError } from '../mask-table-file';
import { CliUsageError, type CliCommand } from '../run';

export const score: CliCommand = {
  usage: 'score --truth TRUTH.csv[.gz] --pred PRED.csv [--width 1024 --height 1024]',
  summary: "score a prediction table against a truth table with the challenge's metric (mean per-image Dice); prints JSON",
  options: { truth: { type: 'string' }, pred: { type: 'string' }, ...imageSizeOptions },
  async run({ positionals, values }) {
    if (positionals.length > 0 || typeof values.truth !== 'string' || typeof values.pred !== 'string') {
      throw new CliUsageError(`usage: pleura ${score.usage}`);
    }
    const size = imageSize(values);
    try {
      const [truth, predicted] = await Promise.all([readMaskTableFile(values.truth), readMaskTableFile(values.pred)]);
      // Truth images the prediction leaves out score as empty predictions; the counts say how many.
      process.stdout.write(`${JSON.stringify(scoreTables(truth, predicted, size))}\n`);
      return 0;
    } catch (error) {
      return reportMaskTableError(error);
    }
  },
};
