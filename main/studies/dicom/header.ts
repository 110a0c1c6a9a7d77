// Header-only reading: what a scan needs from each file, reading only as many bytes as the header takes.
import type { InstanceInfo } from '../../api/contract';
import { withFileSource, type ByteSource } from './byte-source';
import { NeedMoreBytes, parseFile, type ParsedFile } from './dataset';
import { DicomFileError } from './errors';
import { instanceInfo } from './instance-info';
import { READ_LIMITS, type ReadLimits } from './limits';

/** Most headers fit in the first 16 KiB; a bigger one (long sequences, private blobs) makes each next read four times larger. */
const FIRST_READ = 16 * 1024;

/** The header of a whole file held in memory. */
export function parseInstanceInfo(bytes: Uint8Array, path: string): InstanceInfo {
  return instanceInfo(parseFile(bytes, path), path);
}

/** The header of a file on disk, reading only its start (memory stays bounded by the header's size). */
export async function readInstanceInfo(path: string, limits: ReadLimits = READ_LIMITS): Promise<InstanceInfo> {
  return withFileSource(path, async (source) => instanceInfo(await readHeader(source, path, limits), path));
}

/** The elements up to Pixel Data's header, from as short a prefix of the source as holds them, up to the cap. */
export async function readHeader(source: ByteSource, path: string, limits: ReadLimits): Promise<ParsedFile> {
  const { size } = source;
  if (size === 0) throw new DicomFileError('not-dicom', path, 'not a DICOM file: the file is empty');
  const cap = Math.min(size, limits.headerBytes);
  for (let length = Math.min(FIRST_READ, cap); ; length = Math.min(length * 4, cap)) {
    const bytes = await source.read(0, length);
    try {
      return parseFile(bytes, path, { fileSize: size, maxHeaderBytes: limits.headerBytes });
    } catch (error) {
      if (!(error instanceof NeedMoreBytes) || length === size) throw error;
      if (length === cap) {
        throw new DicomFileError('too-large', path, `the header does not end within the first ${cap} bytes of the ${size}-byte file (Pleura's cap on a header)`);
      }
    }
  }
}
