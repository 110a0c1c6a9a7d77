// Mask tables as CSV text: the SIIM training table (`ImageId, EncodedPixels`, with a space after the comma in the
// header and sometimes before the values) and submissions (`ImageId,EncodedPixels`, `-1` for an empty mask).
// Reading and writing files, gzip included, belongs to the callers; this module only turns text into rows and back.
import { checkRaster, createMask, type Mask, type Size } from './raster';
import { parseRle, RleError } from './rle';
import { paintRuns, unionRuns, type Runs } from './runs';

export interface MaskTableRow {
  /** where the table came from (a file name), for error messages; may be empty */
  source: string;
  /** 1-based line number in the text, for error messages */
  line: number;
  imageId: string;
  encodedPixels: string;
}

/** Rows grouped by ImageId, in order of first appearance; an image may have several rows (their masks are unioned). */
export type MaskTable = Map<string, MaskTableRow[]>;

const HEADER = ['ImageId', 'EncodedPixels'] as const;

export class MaskTableError extends Error {
  override name = 'MaskTableError';
}

/** `source` (a file name) prefixes error messages and is kept on every row for the errors decoding finds later. */
export function parseMaskTable(text: string, source = ''): MaskTable {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').split(',').map((cell) => cell.trim());
  // Not quoted back: the file may be any file at all (an API caller names it), and its first line anything.
  if (header.length !== 2 || header[0] !== HEADER[0] || header[1] !== HEADER[1]) {
    throw new MaskTableError(`${where(source, 1)}: not a mask table: expected the header "${HEADER.join(',')}"`);
  }
  const table: MaskTable = new Map();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split(',');
    const line = i + 1;
    if (cells.length !== 2) {
      throw new MaskTableError(`${where(source, line)}: expected 2 comma-separated values (ImageId, EncodedPixels), found ${cells.length}`);
    }
    const imageId = cells[0].trim();
    const encodedPixels = cells[1].trim();
    if (imageId === '') throw new MaskTableError(`${where(source, line)}: the ImageId is blank`);
    const row = { source, line, imageId, encodedPixels };
    const rows = table.get(imageId);
    if (rows) rows.push(row);
    else table.set(imageId, [row]);
  }
  return table;
}

function where(source: string, line: number): string {
  return `${source ? `${source}: ` : ''}line ${line}`;
}

export function countRows(table: MaskTable): number {
  let count = 0;
  for (const rows of table.values()) count += rows.length;
  return count;
}

/** The union of one image's rows as runs; a malformed row is reported with its source, line and ImageId. */
export function imageRuns(rows: readonly MaskTableRow[], size: Size): Runs {
  return unionRuns(
    rows.map((row) => {
      try {
        return parseRle(row.encodedPixels, size);
      } catch (error) {
        if (!(error instanceof RleError)) throw error;
        throw new MaskTableError(`${where(row.source, row.line)} (ImageId ${row.imageId}): ${error.message}`);
      }
    }),
  );
}

/**
 * The union of one image's rows as a mask. Pass `into` to reuse a buffer across images (it is cleared first):
 * decoding a 12,000-image table then allocates one mask, not 12 GB of them.
 */
export function decodeImageRows(rows: readonly MaskTableRow[], size: Size, into?: Mask): Mask {
  const mask = into ?? createMask(size);
  if (into) {
    checkRaster(into, 'the reused mask', size);
    into.data.fill(0);
  }
  paintRuns(mask, imageRuns(rows, size));
  return mask;
}

/** A value a table's cell can hold as it is: no comma, no line break. */
export function isTableValue(value: string): boolean {
  return !/[,\r\n]/.test(value);
}

/** A submission table: the header without the space, one row per image, `-1` for empty masks. */
export function formatSubmission(rows: Iterable<{ imageId: string; encodedPixels: string }>): string {
  const lines = [HEADER.join(',')];
  for (const { imageId, encodedPixels } of rows) {
    if (!isTableValue(imageId) || !isTableValue(encodedPixels)) {
      throw new MaskTableError(`ImageId "${imageId.slice(0, 80)}": values may not contain commas or line breaks`);
    }
    lines.push(`${imageId},${encodedPixels}`);
  }
  return `${lines.join('\n')}\n`;
}
