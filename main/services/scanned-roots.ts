// The folders scanned into the index, most recent first, kept outside it (roots.json in the data directory,
// replaced atomically): a rebuilt index knows what to scan again, and exports know where never to write.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomically, writeFileAtomicallySync } from '../fs/atomic-file';
import { tryParseJson } from '../fs/try-parse-json';

export const ROOTS_FILE = 'roots.json';

const RootsFile = z.object({ roots: z.array(z.string().min(1)) });

export interface ScannedRoots {
  list(): string[];
  /** Records a scanned folder (again: it moves to the front). */
  add(root: string): Promise<void>;
}

function serialise(roots: readonly string[]): string {
  return `${JSON.stringify({ roots }, null, 2)}\n`;
}

/**
 * The roots of `dataDir`. Without roots.json (a data directory from before it), `previous` — the index's scans —
 * gives them once, and the file is written at once.
 */
export function openScannedRoots(dataDir: string, previous: () => string[]): ScannedRoots {
  const file = path.join(dataDir, ROOTS_FILE);
  let roots: string[];
  if (existsSync(file)) {
    const parsed = RootsFile.safeParse(tryParseJson(readFileSync(file, 'utf8')));
    // A damaged file costs only the list: the index still has its scans, and the next scan rewrites the file.
    roots = parsed.success ? parsed.data.roots : previous();
  } else {
    roots = previous();
    if (roots.length > 0) writeFileAtomicallySync(file, serialise(roots));
  }
  let writing: Promise<void> = Promise.resolve();
  return {
    list: () => [...roots],
    add(root) {
      roots = [root, ...roots.filter((known) => known !== root)];
      const snapshot = serialise(roots);
      // One write at a time, in order: the last add's list is the one left on disk.
      writing = writing.catch(() => {}).then(() => writeFileAtomically(file, snapshot));
      return writing;
    },
  };
}
