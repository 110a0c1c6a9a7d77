// Reading a file someone else named (an API argument, a command-line option) without trusting what it is: only a
// regular file is read, never a device (/dev/zero never ends), a FIFO (opening one blocks until a writer comes) or a
// socket, and never more than a stated number of bytes. The file is opened without blocking and judged by the open
// handle, so a name swapped for a FIFO between a check and the read cannot hang the reader. Errors name the file
// and why, never its contents.
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

export class UnreadableFileError extends Error {
  override name = 'UnreadableFileError';
}

const CHUNK_BYTES = 1 << 20;

/** A cap for messages: "64 MiB", or its bytes when it is no whole number of MiB. */
export function formatCap(bytes: number): string {
  return bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MiB` : `${bytes} bytes`;
}

/** Why `stats` is not a regular file of at most `maxBytes`, or null when it is one. */
export function regularFileProblem(stats: Stats, maxBytes: number): string | null {
  if (stats.isDirectory()) return 'is a folder, not a file';
  if (!stats.isFile()) return `is ${kindOf(stats)}, not a regular file`;
  if (stats.size > maxBytes) return `is ${stats.size} bytes, more than the ${formatCap(maxBytes)} Pleura reads`;
  return null;
}

/** The bytes of `file`, a regular file of at most `maxBytes` (one that grows while it is read is cut off and refused). */
export async function readRegularFile(file: string, maxBytes: number): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer. Windows has no such flag, and no
  // FIFOs in its file systems: its named pipes live under \\.\pipe\ and connect at once or fail.
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const problem = regularFileProblem(await handle.stat(), maxBytes);
    if (problem) throw new UnreadableFileError(`${file} ${problem}`);
    // Read to the end but never past the cap, whatever the size said: /proc files say 0, and a file may grow.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) throw new UnreadableFileError(`${file} holds more than the ${formatCap(maxBytes)} Pleura reads`);
    }
    return Buffer.concat(chunks, length);
  } finally {
    await handle.close();
  }
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a plain file';
}
