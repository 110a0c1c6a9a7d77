// `pleura phantoms --out DIR --count N --seed S`: a set of synthetic chest radiographs with pneumothorax masks,
// as SIIM ships its data (JPEG Baseline DICOM + train-rle.csv), for training and testing without patients.
import path from 'node:path';
import { DEFAULT_PHANTOM_SIZE, DEFAULT_POSITIVE_FRACTION } from '../../../ml/phantoms';
import { ModelFolderError } from '../../../ml/io/model-folder-error';
import { writePhantomSet } from '../../phantoms/write-set';
import { CliUsageError, type CliCommand } from '../run';

const wholeNumber = (value: unknown, flag: string, min: number): number => {
  if (!/^\d+$/.test(String(value)) || Number(value) < min) throw new CliUsageError(`--${flag} must be a whole number of at least ${min}, got "${String(value)}"`);
  return Number(value);
};

export const phantoms: CliCommand = {
  usage: 'phantoms --out DIR --count N --seed S [--size 1024] [--positive-fraction 0.2] [--force]',
  summary: 'write N synthetic PA chest radiographs (JPEG Baseline DICOM, SYNTHETIC-marked) with a SIIM mask table train-rle.csv and phantoms.json',
  options: { out: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string' }, size: { type: 'string' }, 'positive-fraction': { type: 'string' }, force: { type: 'boolean' } },
  async run({ positionals, values }) {
    if (positionals.length || typeof values.out !== 'string' || values.count === undefined || values.seed === undefined) {
      throw new CliUsageError(`--out, --count and --seed are required\nusage: pleura ${phantoms.usage}`);
    }
    const fraction = Number(values['positive-fraction'] ?? DEFAULT_POSITIVE_FRACTION);
    if (!(fraction >= 0 && fraction <= 1)) throw new CliUsageError(`--positive-fraction must lie in 0..1, got "${String(values['positive-fraction'])}"`);
    const options = {
      out: path.resolve(values.out),
      count: wholeNumber(values.count, 'count', 1),
      seed: wholeNumber(values.seed, 'seed', 0),
      size: wholeNumber(values.size ?? DEFAULT_PHANTOM_SIZE, 'size', 64),
      positiveFraction: fraction,
      force: Boolean(values.force),
      onImage: (done: number, count: number) => process.stderr.write(`\rphantoms: ${done}/${count}`),
    };
    try {
      const summary = await writePhantomSet(options);
      process.stderr.write('\n');
      const { images, ...rest } = summary;
      process.stdout.write(`${JSON.stringify({ ...rest, images: images.length })}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof ModelFolderError) && (error as NodeJS.ErrnoException)?.syscall === undefined) throw error;
      process.stderr.write(`pleura: ${(error as Error).message}\n`);
      return 1;
    }
  },
};
