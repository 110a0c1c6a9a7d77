// Lists the candidate files under a folder as a stream: one directory handle open at a time and only the folders
// still to visit held in memory, so a folder of 100,000 images costs no more than one of 100.
import { opendir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';

export type WalkEntry =
  | { path: string; size: number; mtimeMs: number; error?: undefined }
  /** A file or folder that exists but could not be examined (a dangling link, no permission). */
  | { path: string; error: NodeJS.ErrnoException };

/**
 * Skipped names: hidden files and folders (.DS_Store, AppleDouble `._x` companions, .git) are never images, and
 * DICOMDIR is a media index whose records point at files the walk finds anyway.
 */
export function isSkippedName(name: string): boolean {
  return name.startsWith('.') || name.toUpperCase() === 'DICOMDIR';
}

function identity(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

/**
 * Regular files under `root`, recursively. Links are followed (a link to a folder of studies is a common way to
 * gather them), but a folder already visited is not entered again, so link loops end. Devices, pipes and sockets
 * are skipped: opening a pipe would block the scan.
 */
export async function* walkFiles(root: string): AsyncGenerator<WalkEntry> {
  const visited = new Set([identity(await stat(root))]);
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let handle;
    try {
      handle = await opendir(dir);
    } catch (error) {
      yield { path: dir, error: error as NodeJS.ErrnoException };
      continue;
    }
    for await (const dirent of handle) {
      if (isSkippedName(dirent.name)) continue;
      if (!dirent.isFile() && !dirent.isDirectory() && !dirent.isSymbolicLink()) continue;
      const entryPath = path.join(dir, dirent.name);
      let stats: Stats;
      try {
        stats = await stat(entryPath);
      } catch (error) {
        yield { path: entryPath, error: error as NodeJS.ErrnoException };
        continue;
      }
      if (stats.isDirectory()) {
        const id = identity(stats);
        if (visited.has(id)) continue;
        visited.add(id);
        pending.push(entryPath);
      } else if (stats.isFile()) {
        yield { path: entryPath, size: stats.size, mtimeMs: stats.mtimeMs };
      }
    }
  }
}
