// Exports and the audit CSV go only into a folder the user picks that holds no source images: never a scanned folder,
// nothing inside one, never a source image's own folder. Links are resolved first, so a link back into a scanned
// folder is refused too. Checked before anything is written.
import { mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../api/contract';
import { isWithin, resolveExisting } from '../triage/output-folder';

export interface ForbiddenFolders {
  /** the folders scanned into the study index */
  roots: readonly string[];
  /** the folders holding the images being exported */
  sources?: readonly string[];
}

/** The folder's real path, created when missing; an ApiError saying why when it must not be written to. */
export async function prepareExportFolder(requested: string, forbidden: ForbiddenFolders): Promise<string> {
  if (!path.isAbsolute(requested)) throw new ApiError('invalid-argument', `the export folder must be an absolute path; got "${requested}"`);
  const folder = await resolveExisting(path.resolve(requested));
  for (const root of forbidden.roots) {
    const realRoot = await realOrResolved(root);
    if (isWithin(realRoot, folder)) {
      const where = realRoot === folder ? 'is the scanned folder' : 'is inside the scanned folder';
      throw new ApiError('invalid-argument', `cannot export into ${requested}: it ${where} ${root}; Pleura never writes where it reads DICOM — choose another folder`);
    }
  }
  for (const source of new Set(forbidden.sources ?? [])) {
    if (isWithin(await realOrResolved(source), folder)) {
      throw new ApiError('invalid-argument', `cannot export into ${requested}: it is (or is inside) ${source}, the folder of the source images — choose another folder`);
    }
  }
  const existing = await stat(folder).catch(() => null);
  if (existing && !existing.isDirectory()) throw new ApiError('invalid-argument', `cannot export into ${requested}: it is a file, not a folder`);
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw new ApiError('invalid-argument', `cannot create the export folder ${requested}: ${(error as Error).message}`);
  }
  return folder;
}

async function realOrResolved(folder: string): Promise<string> {
  return realpath(folder).catch(() => path.resolve(folder));
}
