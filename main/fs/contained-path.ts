// Where Pleura writes, names come from outside (DICOM values, folder pickers, the API): a name is made safe before it
// becomes part of a path, and the path is checked to lie inside its destination after links are resolved, so neither
// "../" in a UID nor a symbolic link planted in an output folder sends a file anywhere else.
import { createHash } from 'node:crypto';
import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';

const UID = /^[0-9]+(\.[0-9]+)*$/;

/** A DICOM UID as the standard defines it: digits and dots, at most 64 characters. */
export function isDicomUid(value: string): boolean {
  return value.length > 0 && value.length <= 64 && UID.test(value);
}

/**
 * A DICOM UID as a file-name stem: the UID itself when it is a well-formed one, else "uid-" and 32 hex digits of its
 * SHA-256 — the same value always gives the same name, and no value gives a path, a hidden file or a device name.
 */
export function uidFileStem(uid: string): string {
  return isDicomUid(uid) ? uid : `uid-${createHash('sha256').update(uid, 'utf8').digest('hex').slice(0, 32)}`;
}

/** A file or folder was about to be written outside the folder it belongs in. */
export class PathEscapeError extends Error {
  override name = 'PathEscapeError';
}

/** `child` is `parent` or inside it; `flavour` compares another platform's paths (path.win32 ignores case). */
export function isWithin(parent: string, child: string, flavour: path.PlatformPath = path): boolean {
  const relative = flavour.relative(parent, child);
  return relative === '' || (!relative.startsWith(`..${flavour.sep}`) && relative !== '..' && !flavour.isAbsolute(relative));
}

/** The real path of `target`, resolving the deepest part that exists (an output folder may not exist yet). */
export async function resolveExisting(target: string): Promise<string> {
  try {
    return await realpath(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const parent = path.dirname(target);
    if (parent === target) return target;
    return path.join(await resolveExisting(parent), path.basename(target));
  }
}

/**
 * `relative` (slash-separated, no "..", not absolute) under `folder`, with its parent folders created, as a real path
 * checked to lie inside the real `folder`. The file itself may be a link already: writeFileAtomically renames over
 * the link, it never writes through it.
 */
export async function containedPath(folder: string, relative: string): Promise<string> {
  const parts = relative.split(/[\\/]/);
  if (path.isAbsolute(relative) || parts.some((part) => part === '' || part === '.' || part === '..' || part.includes('\0'))) {
    throw new PathEscapeError(`refusing to write "${relative}": a name inside ${folder} must not climb out of it`);
  }
  const realFolder = await realpath(folder);
  const parent = path.join(realFolder, ...parts.slice(0, -1));
  await mkdir(parent, { recursive: true });
  const realParent = await realpath(parent);
  if (!isWithin(realFolder, realParent)) {
    throw new PathEscapeError(`refusing to write ${path.join(folder, relative)}: ${parent} leads to ${realParent}, outside ${folder}`);
  }
  return path.join(realParent, parts[parts.length - 1]);
}
