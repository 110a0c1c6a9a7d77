// File names are bytes. Node turns them into strings as UTF-8, so a name written in Latin-1 (an old Windows or PACS
// export: "é" as the one byte 0xE9) comes back with U+FFFD in it and can no longer be opened by that string. Pleura
// shows such a name decoded as Latin-1 — a faithful, reversible string — and opens it by its real bytes.
import { isUtf8 } from 'node:buffer';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** A directory entry's name as Pleura shows and stores it: UTF-8 when the bytes are UTF-8, else Latin-1. */
export function displayName(name: Buffer): string {
  return name.toString(isUtf8(name) ? 'utf8' : 'latin1');
}

/** `dir`/`name` as bytes, for the file system: the real name of an entry read with encoding 'buffer'. */
export function joinBytes(dir: Buffer, name: Buffer): Buffer {
  return Buffer.concat([dir, Buffer.from(path.sep), name]);
}

/** The path as bytes when it needs them (a name that is not UTF-8), else the plain string: both open the same file. */
export function fsPathOf(bytes: Buffer): string | Buffer {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes;
}

const LATIN1 = /^[\u0000-\u00ff]*$/;

async function exists(target: string | Buffer): Promise<boolean> {
  try {
    await lstat(target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * What to hand to `fs` for a path Pleura shows (see displayName): the string itself when it names a file, else the
 * bytes found by trying, component by component, the UTF-8 name and then the Latin-1 one. A path that names nothing
 * either way is returned unchanged, so the caller's open fails with its ordinary ENOENT.
 */
export async function openablePath(displayPath: string): Promise<string | Buffer> {
  if (!path.isAbsolute(displayPath) || (await exists(displayPath))) return displayPath;
  const { root } = path.parse(displayPath);
  const parts = displayPath.slice(root.length).split(path.sep).filter((part) => part !== '');
  let current: Buffer = Buffer.from(root);
  for (const part of parts) {
    const candidates = [Buffer.from(part, 'utf8'), ...(LATIN1.test(part) ? [Buffer.from(part, 'latin1')] : [])];
    let found: Buffer | undefined;
    for (const candidate of candidates) {
      const next = current.length === root.length ? Buffer.concat([current, candidate]) : joinBytes(current, candidate);
      if (await exists(next)) {
        found = next;
        break;
      }
    }
    if (!found) return displayPath;
    current = found;
  }
  return fsPathOf(current);
}

/**
 * Opens a file by the path Pleura shows for it: by the string itself, and only when that names nothing, by the
 * bytes openablePath finds (a name that is not UTF-8). The common case costs no more than a plain open.
 */
export async function openShown(displayPath: string, flags: string): Promise<FileHandle> {
  try {
    return await open(displayPath, flags);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const real = await openablePath(displayPath);
    if (real === displayPath) throw error;
    return open(real, flags);
  }
}
