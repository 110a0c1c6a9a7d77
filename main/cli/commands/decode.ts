import { decodeFile } from '../../studies/dicom';
import { reportFileError } from '../file-error';
import { writeNpy } from '../npy';
import { CliUsageError, type CliCommand } from '../run';

export const decode: CliCommand = {
  usage: 'decode FILE [--out IMAGE.npy]',
  summary: 'decode frame 0 of one DICOM file (values after the modality transform); --out writes float32 [rows, columns] .npy',
  options: { out: { type: 'string' } },
  async run({ positionals, values }) {
    if (positionals.length !== 1) throw new CliUsageError(`usage: pleura ${decode.usage}`);
    const [path] = positionals;
    try {
      const image = await decodeFile(path);
      if (typeof values.out === 'string') await writeNpy(values.out, image.pixels, [image.rows, image.columns]);
      const { info, pixels, ...summary } = image;
      const described = { path, transferSyntax: info.transferSyntaxName, ...summary, out: values.out ?? null };
      process.stdout.write(`${JSON.stringify(described, null, 2)}\n`);
      return 0;
    } catch (error) {
      return reportFileError(error, path);
    }
  },
};
