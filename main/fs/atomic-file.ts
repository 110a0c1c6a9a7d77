import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';

function partialName(target: string): string {
  return `${target}.${process.pid}.${Date.now()}.partial`;
}

/**
 * Replaces `target` in one step: the contents are written beside it and renamed over it, so a reader sees the old file
 * or the new one, never a torn one (libuv's rename replaces an existing file on Windows too).
 */
export async function writeFileAtomically(target: string, contents: string | Uint8Array): Promise<void> {
  const partial = partialName(target);
  try {
    await writeFile(partial, contents);
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** writeFileAtomically for the few places that must finish before anything else runs (taking the data directory). */
export function writeFileAtomicallySync(target: string, contents: string | Uint8Array): void {
  const partial = partialName(target);
  try {
    writeFileSync(partial, contents);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}
