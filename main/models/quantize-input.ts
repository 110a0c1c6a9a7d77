// What a request to make an INT8 version hands over that cannot be used: a folder of images that is missing, is a
// file, is a system folder, or holds no usable image. One error class, so the command line and the API can tell
// these from failures of their own.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { requestedPathProblem } from '../fs/requested-path';
import { systemFolderOf } from '../fs/system-folders';

export class QuantizeInputError extends Error {
  override name = 'QuantizeInputError';
}

/** Throws QuantizeInputError naming the `role` ("calibration folder") and what is wrong with `folder`. */
export async function checkImageFolder(folder: string, role: string): Promise<void> {
  const refuse = (why: string): never => {
    throw new QuantizeInputError(`the ${role} "${folder}" ${why}`);
  };
  if (!path.isAbsolute(folder)) refuse('is not an absolute path');
  const problem = requestedPathProblem(folder);
  if (problem) refuse(`cannot be used: ${problem}`);
  let real: string;
  try {
    real = await realpath(folder);
    if (!(await stat(real)).isDirectory()) refuse('is a file, not a folder of images');
  } catch (error) {
    if (error instanceof QuantizeInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    return refuse(code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`);
  }
  const system = systemFolderOf(real);
  if (system) refuse(`is (or is inside) ${system}`);
}
