// An append-only text file that never grows past a size: when the next text would pass it, the file becomes
// `<file>.1` (`.1` becomes `.2`, …, the oldest beyond `keep` is deleted). Writes are synchronous (a line at a time,
// a few per minute) and never throw: a full disk or a missing permission must not stop the workstation.
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

export interface RotatingFileOptions {
  file: string;
  maxBytes: number;
  /** old files kept beside the current one */
  keep: number;
  /** told about the first failed write, and again only after a write has succeeded since */
  onFailure: (error: Error) => void;
}

export function createRotatingFile({ file, maxBytes, keep, onFailure }: RotatingFileOptions): (text: string) => void {
  // Unknown until a write looks, and again after a failure (the file may have changed under us).
  let size: number | undefined;
  let failing = false;
  return (text) => {
    try {
      size ??= currentSize(file);
      const bytes = Buffer.byteLength(text);
      if (size > 0 && size + bytes > maxBytes) {
        rotate(file, keep);
        size = 0;
      }
      appendFileSync(file, text);
      size += bytes;
      failing = false;
    } catch (error) {
      size = undefined;
      if (!failing) onFailure(error as Error);
      failing = true;
    }
  };
}

function currentSize(file: string): number {
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    return statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

function rotate(file: string, keep: number): void {
  rmSync(`${file}.${keep}`, { force: true });
  for (let k = keep - 1; k >= 1; k--) {
    if (existsSync(`${file}.${k}`)) renameSync(`${file}.${k}`, `${file}.${k + 1}`);
  }
  renameSync(file, `${file}.1`);
}
