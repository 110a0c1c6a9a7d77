import { readInstanceInfo } from '../../studies/dicom';
import { reportFileError } from '../file-error';
import { CliUsageError, type CliCommand } from '../run';

export const info: CliCommand = {
  usage: 'info FILE',
  summary: 'print the identifying and image tags of one DICOM file as JSON (reads the header only)',
  options: {},
  async run({ positionals }) {
    if (positionals.length !== 1) throw new CliUsageError(`usage: pleura ${info.usage}`);
    const [path] = positionals;
    try {
      process.stdout.write(`${JSON.stringify(await readInstanceInfo(path), null, 2)}\n`);
      return 0;
    } catch (error) {
      return reportFileError(error, path);
    }
  },
};
