// The image-size flags and error reporting of the `score` and `rle` commands, which read mask tables.
import { MaskTableError, REFERENCE_SIZE, type Size } from '../../ml/post';
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

/** A bad table on stderr as `pleura: FILE: line N (ImageId …): what is wrong`; returns the exit code. */
export function reportMaskTableError(error: unknown): number {
  if (!(error instanceof MaskTableError)) throw error;
  process.stderr.write(`pleura: ${error.message}\n`);
  return 1;
}
