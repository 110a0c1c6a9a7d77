// Exports and the audit CSV go only into a folder the user picks that holds no source images: never a scanned folder,
// nothing inside one, never an indexed image's own folder, never Pleura's data directory, never a system folder.
// Links are resolved first, so a link back into any of them is refused too. Checked before anything is written.
import { mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ApiError } from '../api/contract';
import { isWithin, resolveExisting } from '../fs/contained-path';
import { requestedPathProblem } from '../fs/requested-path';
import { systemFolderOf } from '../fs/system-folders';
import { indexedFolders } from '../studies/index-db';

/** What an export must stay out of; exports.run and audit.export pass the same, so they refuse the same folders. */
export interface ForbiddenFolders {
  /** the folders scanned into the study index */
  roots: readonly string[];
  /** the folders of every indexed image (a scan follows links, so some lie outside the roots) */
  sources: readonly string[];
  /** Pleura's data directory */
  dataDir: string;
}

/** What exports.run and audit.export both refuse: the index's roots and folders, and the data directory. */
export function exportForbiddenFolders(db: Database.Database, roots: readonly string[], dataDir: string): ForbiddenFolders {
  return { roots, sources: indexedFolders(db), dataDir };
}

/** The folder's real path, created when missing; an ApiError saying why when it must not be written to. */
export async function prepareExportFolder(requested: string, forbidden: ForbiddenFolders): Promise<string> {
  if (!path.isAbsolute(requested)) throw new ApiError('invalid-argument', `the export folder must be an absolute path; got "${requested}"`);
  const refuse = (why: string): never => {
    throw new ApiError('invalid-argument', `cannot export into ${JSON.stringify(requested)}: ${why} — choose another folder`);
  };
  const problem = requestedPathProblem(requested);
  if (problem) refuse(problem);
  const folder = await resolveExisting(path.resolve(requested)).catch((error: NodeJS.ErrnoException) => refuse(`it cannot be reached (${error.code ?? error.message})`));
  const system = systemFolderOf(folder);
  if (system) refuse(`it is (or is inside) ${system}`);
  for (const root of forbidden.roots) {
    const realRoot = await realOrResolved(root);
    if (isWithin(realRoot, folder)) {
      refuse(`it ${realRoot === folder ? 'is the scanned folder' : 'is inside the scanned folder'} ${root}; Pleura never writes where it reads DICOM`);
    }
  }
  for (const source of new Set(forbidden.sources)) {
    if (isWithin(await realOrResolved(source), folder)) refuse(`it is (or is inside) ${source}, a folder of indexed source images`);
  }
  if (isWithin(await realOrResolved(forbidden.dataDir), folder)) refuse(`it is (or is inside) ${forbidden.dataDir}, Pleura's data directory`);
  const existing = await stat(folder).catch(() => null);
  if (existing && !existing.isDirectory()) refuse('it is a file, not a folder');
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
