// Reading mask tables (.csv, or .csv.gz as the SIIM training table ships) for the CLI and for training.
// ml/post parses text; the file system and gzip stay out here at the edge.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { MaskTableError, parseMaskTable, type MaskTable } from '../../ml/post';

/** Gzip is recognised by its magic bytes, not the file name. */
export async function readMaskTableFile(path: string): Promise<MaskTable> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new MaskTableError(`${path}: cannot read: ${(error as Error).message}`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new MaskTableError(`${path}: not a readable gzip file: ${(error as Error).message}`);
    }
  }
  return parseMaskTable(bytes.toString('utf8'), path);
}
