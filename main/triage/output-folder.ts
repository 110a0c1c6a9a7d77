// Triage writes only into the output folder the user names, never into the folder it reads nor a system folder: an
// output folder inside the input (or equal to it), the root, /dev, /proc or /sys is refused before anything is
// written. Links are resolved first, so a link that leads back into the input is caught too.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isWithin, resolveExisting } from '../fs/contained-path';
import { systemFolderOf } from '../fs/system-folders';

export class OutputFolderError extends Error {
  override name = 'OutputFolderError';
}

/** The folders triage writes to under `out`; each must lie outside the input. */
export const HEATMAP_FOLDER = 'heatmaps';

/** Resolves both folders; throws OutputFolderError when `out` (or a folder written under it) lies inside `input` or a system folder. */
export async function checkOutputFolder(input: string, out: string): Promise<{ input: string; out: string }> {
  const inputStats = await stat(input).catch((error: NodeJS.ErrnoException) => {
    throw new OutputFolderError(`cannot read the input folder ${input}: ${error.code === 'ENOENT' ? 'it does not exist' : error.message}`);
  });
  if (!inputStats.isDirectory()) throw new OutputFolderError(`${input} is not a folder; triage reads a folder of DICOM files`);
  const realInput = await realpath(input);
  const realOut = await resolveExisting(path.resolve(out));
  const system = systemFolderOf(realOut);
  if (system) throw new OutputFolderError(`the output folder ${out} is (or is inside) ${system}; choose an output folder of your own`);
  for (const written of [realOut, path.join(realOut, HEATMAP_FOLDER)]) {
    if (isWithin(realInput, written)) {
      throw new OutputFolderError(
        `the output folder ${out} is inside the input folder ${input} (or is it); Pleura never writes into the folder it reads — choose an output folder elsewhere`,
      );
    }
  }
  return { input: realInput, out: realOut };
}
