// Every area in science.md's post-processing rules is a pixel count on the challenge's 1024 x 1024 images. Chest
// films cover about the same field of view whatever their matrix, so a rule applied at another size scales its
// areas with the image's pixel count.
import { checkSize, type Size } from './raster';

export const REFERENCE_SIZE: Size = { rows: 1024, columns: 1024 };

/**
 * `area` (pixels at 1024 x 1024) scaled to `size`, rounded to the nearest whole pixel with halves rounded up
 * (Math.round). At 1024 x 1024 it is `area` itself, exactly; at 512 x 512, a quarter of it.
 */
export function scaleArea(area: number, size: Size): number {
  checkSize(size);
  return Math.round((area * size.rows * size.columns) / (REFERENCE_SIZE.rows * REFERENCE_SIZE.columns));
}
