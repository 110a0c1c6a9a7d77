// Reading mask tables (.csv, or .csv.gz as the SIIM training table ships) and the image-size flags for the `score`
// and `rle` commands. ml/post parses text; the file system and gzip stay out here at the edge.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { MaskTableError, parseMaskTable, REFERENCE_SIZE, type MaskTable, type Size } from '../../ml/post';
import { CliUsageError } from './run';

export const imageSizeOptions = { width: { type: 'string' }, height: { type: 'string' } } as const;

/** --width/--height, 1024 each by default (every SIIM image is 1024 x 1024). */
export function imageSize(values: Record<string, unknown>): Size {
  const read = (name: 'width' | 'height', fallback: number): number => {
    const value = values[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < 1) throw new CliUsageError(`--${name} must be a positive whole number of pixels, got "${value}"`);
    return Number(value);
  };
  return { rows: read('height', REFERENCE_SIZE.rows), columns: read('width', REFERENCE_SIZE.columns) };
}

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

/** A bad table on stderr as `pleura: FILE: line N (ImageId …): what is wrong`; returns the exit code. */
export function reportMaskTableError(error: unknown): number {
  if (!(error instanceof MaskTableError)) throw error;
  process.stderr.write(`pleura: ${error.message}\n`);
  return 1;
}
