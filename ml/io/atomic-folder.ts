// Publishing a folder all at once: it is filled under a hidden temporary name beside the target (same file system,
// so the final rename is atomic), then renamed into place. The target is always absent, the old folder or the
// complete new one — never half written — and a failure removes the temporary folder.
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { ModelFolderError } from './model-folder-error';

export interface PublishOptions {
  /** replace a target folder that already holds files (an empty one is always replaced) */
  overwrite?: boolean;
}

export async function publishFolder(target: string, fill: (temp: string) => Promise<void>, { overwrite = false }: PublishOptions = {}): Promise<void> {
  await checkReplaceable(target, overwrite);
  const parent = path.dirname(path.resolve(target));
  await mkdir(parent, { recursive: true });
  // mkdir rather than mkdtemp: the folder becomes the model, so it takes the user's usual permissions (umask).
  const temp = path.join(parent, `.${path.basename(target)}.partial-${randomUUID().slice(0, 8)}`);
  await mkdir(temp);
  try {
    await fill(temp);
    await moveIntoPlace(temp, target, overwrite);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** The names in `dir`, or null when it does not exist; a link there is refused, never published through. */
async function entriesOf(dir: string): Promise<string[] | null> {
  try {
    if ((await lstat(dir)).isSymbolicLink()) throw new ModelFolderError(`${dir} is a link; refusing to publish a folder through it`);
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') throw new ModelFolderError(`${dir} exists and is not a folder`);
    throw error;
  }
}

/**
 * Throws when publishing to `target` would be refused. publishFolder checks again at the end; callers with costly
 * work before it call this first, so a refusal costs nothing.
 */
export async function checkReplaceable(target: string, overwrite = false): Promise<string[] | null> {
  const entries = await entriesOf(target);
  if (entries?.length && !overwrite) {
    throw new ModelFolderError(`${target} already holds files (${entries.slice(0, 5).join(', ')}); refusing to overwrite it`);
  }
  return entries;
}

async function moveIntoPlace(temp: string, target: string, overwrite: boolean): Promise<void> {
  const entries = await checkReplaceable(target, overwrite);
  if (entries === null) return rename(temp, target);
  // Windows cannot rename onto any existing folder, POSIX not onto a non-empty one: move the old one aside first.
  if (entries.length === 0) {
    await rmdir(target);
    return rename(temp, target);
  }
  const old = `${temp}.old`;
  await rename(target, old);
  try {
    await rename(temp, target);
  } catch (error) {
    await rename(old, target);
    throw error;
  }
  await rm(old, { recursive: true, force: true });
}
