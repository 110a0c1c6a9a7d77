// Reading mask tables (.csv, or .csv.gz as the SIIM training table ships) for the CLI and for training.
// ml/post parses text; the file system and gzip stay out here at the edge. The table is named by the user or the API,
// so it is read as a regular file of bounded size, and inflated to a bounded size too.
import { gunzipSync } from 'node:zlib';
import { MaskTableError, parseMaskTable, type MaskTable } from '../../ml/post';
import { formatCap, readRegularFile, UnreadableFileError } from './regular-file';

/** On disk and once inflated: ten times the complete SIIM training table (1.1 MB gzipped, 5.8 MB of text). */
export const MAX_MASK_TABLE_BYTES = 64 * 2 ** 20;

/** Gzip is recognised by its magic bytes, not the file name. */
export async function readMaskTableFile(path: string): Promise<MaskTable> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, MAX_MASK_TABLE_BYTES);
  } catch (error) {
    throw new MaskTableError(error instanceof UnreadableFileError ? error.message : `${path}: cannot read: ${(error as Error).message}`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_MASK_TABLE_BYTES });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new MaskTableError(`${path}: inflates to more than the ${formatCap(MAX_MASK_TABLE_BYTES)} Pleura reads of a mask table`);
      }
      throw new MaskTableError(`${path}: not a readable gzip file: ${(error as Error).message}`);
    }
  }
  return parseMaskTable(bytes.toString('utf8'), path);
}
