// Lists the candidate files under a folder as a stream: one directory handle open at a time and only the folders
// still to visit held in memory, so a folder of 100,000 images costs no more than one of 100. Names are read as
// bytes: a name that is not UTF-8 is shown as Latin-1 and still opened by its real bytes (main/fs/fs-path.ts).
import { opendir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { displayName, joinBytes, openablePath } from '../fs/fs-path';
import { isSkippedFolder, isSkippedName } from './skip-rules';

export type WalkEntry =
  | { path: string; size: number; mtimeMs: number; error?: undefined }
  /**
   * Something that could not be examined: a file (a dangling link, no permission) or a folder that could not be
   * opened or whose listing broke off (`folder`). Nothing under it is known to be gone.
   */
  | { path: string; error: NodeJS.ErrnoException; folder: boolean };

export interface BufferDirent {
  name: Buffer;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** The file system calls the walk makes; tests pass ones that fail where real disks rarely do. */
export interface WalkIo {
  opendir(dir: Buffer): Promise<AsyncIterable<BufferDirent>>;
  stat(target: Buffer): Promise<Stats>;
}

export interface WalkOptions {
  /** Told of each file that is never an image, by its name (isSkippedName): it is not yielded. */
  onSkipped?: (path: string) => void;
  io?: WalkIo;
}

const nodeIo: WalkIo = {
  // Node accepts encoding 'buffer' here and then names entries with Buffers; its typings know only string names.
  opendir: (dir) => opendir(dir, { encoding: 'buffer' as BufferEncoding }) as unknown as Promise<AsyncIterable<BufferDirent>>,
  stat: (target) => stat(target),
};

function identity(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

/**
 * Regular files under `root`, recursively. Links are followed (a link to a folder of studies is a common way to
 * gather them), but a folder already visited is not entered again, so link loops end. Devices, pipes and sockets
 * are skipped: opening a pipe would block the scan. A folder that fails, at its opening or halfway through its
 * listing, is reported and the walk goes on with the rest.
 */
export async function* walkFiles(root: string, { onSkipped, io = nodeIo }: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const realRoot = Buffer.from(await openablePath(root));
  const visited = new Set([identity(await io.stat(realRoot))]);
  const pending: { shown: string; real: Buffer }[] = [{ shown: root, real: realRoot }];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    try {
      for await (const dirent of await io.opendir(dir.real)) {
        if (!dirent.isFile() && !dirent.isDirectory() && !dirent.isSymbolicLink()) continue;
        const name = displayName(dirent.name);
        const shown = path.join(dir.shown, name);
        const real = joinBytes(dir.real, dirent.name);
        let stats: Stats;
        try {
          stats = await io.stat(real);
        } catch (error) {
          yield { path: shown, error: error as NodeJS.ErrnoException, folder: false };
          continue;
        }
        if (stats.isDirectory()) {
          const id = identity(stats);
          if (isSkippedFolder(name) || visited.has(id)) continue;
          visited.add(id);
          pending.push({ shown, real });
        } else if (stats.isFile()) {
          if (isSkippedName(name)) onSkipped?.(shown);
          else yield { path: shown, size: stats.size, mtimeMs: stats.mtimeMs };
        }
      }
    } catch (error) {
      yield { path: dir.shown, error: error as NodeJS.ErrnoException, folder: true };
    }
  }
}
