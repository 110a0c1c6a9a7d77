// Where a file's bytes come from: a file on disk read piece by piece (so a 4 GB file costs only the pieces asked
// for), or bytes already in memory; header and frame reading ask for ranges and never for the whole file.
import type { FileHandle } from 'node:fs/promises';
import { openShown } from '../../fs/fs-path';
import { DicomFileError } from './errors';

export interface ByteSource {
  readonly size: number;
  /** The bytes at [position, position + length), fewer where the source ends first. */
  read(position: number, length: number): Promise<Uint8Array>;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: async (position, length) => bytes.subarray(position, position + length) };
}

/**
 * Opens `path` for reading (the one place DICOM reading opens files), hands `use` a source over it and closes it;
 * any failure becomes the file's DicomFileError.
 */
export async function withFileSource<T>(path: string, use: (source: ByteSource) => Promise<T>): Promise<T> {
  let handle: FileHandle | undefined;
  try {
    handle = await openShown(path, 'r');
    const { size } = await handle.stat();
    const file = handle;
    return await use({
      size,
      async read(position, length) {
        const bytes = new Uint8Array(Math.max(0, Math.min(length, size - position)));
        const { bytesRead } = await file.read(bytes, 0, bytes.length, position);
        return bytesRead === bytes.length ? bytes : bytes.subarray(0, bytesRead);
      },
    });
  } catch (error) {
    throw DicomFileError.from(error, path);
  } finally {
    await handle?.close();
  }
}
