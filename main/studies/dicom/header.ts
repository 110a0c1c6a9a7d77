// Header-only reading: what a scan needs from each file, reading only as many bytes as the header takes.
import { open } from 'node:fs/promises';
import type { InstanceInfo } from '../../api/contract';
import { NeedMoreBytes, parseFile } from './dataset';
import { DicomFileError } from './errors';
import { instanceInfo } from './instance-info';

/** Most headers fit in the first 16 KiB; a bigger one (long sequences, private blobs) makes each next read four times larger. */
const FIRST_READ = 16 * 1024;

/** The header of a whole file held in memory. */
export function parseInstanceInfo(bytes: Uint8Array, path: string): InstanceInfo {
  return instanceInfo(parseFile(bytes, path, { headerOnly: true }), path);
}

/** The header of a file on disk, reading only its start (memory stays bounded by the header's size). */
export async function readInstanceInfo(path: string): Promise<InstanceInfo> {
  let handle;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    if (size === 0) throw new DicomFileError('not-dicom', path, 'not a DICOM file: the file is empty');
    for (let length = Math.min(FIRST_READ, size); ; length = Math.min(length * 4, size)) {
      const bytes = new Uint8Array(length);
      const { bytesRead } = await handle.read(bytes, 0, length, 0);
      try {
        return instanceInfo(parseFile(bytes.subarray(0, bytesRead), path, { headerOnly: true, fileSize: size }), path);
      } catch (error) {
        if (!(error instanceof NeedMoreBytes) || length === size) throw error;
      }
    }
  } catch (error) {
    throw DicomFileError.from(error, path);
  } finally {
    await handle?.close();
  }
}
