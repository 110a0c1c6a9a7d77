import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Replaces `target` in one step: the contents are written beside it and renamed over it, so a reader sees the old file
 * or the new one, never a torn one (libuv's rename replaces an existing file on Windows too).
 */
export async function writeFileAtomically(target: string, contents: string | Uint8Array): Promise<void> {
  const partial = `${target}.${process.pid}.${Date.now()}.partial`;
  try {
    await writeFile(partial, contents);
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
