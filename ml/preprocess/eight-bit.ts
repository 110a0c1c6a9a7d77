import type { Plane, Radiograph } from './types';

/**
 * science.md: "scale to 8-bit (for non-8-bit data: apply the modality transform and the VOI window from the file,
 * or the full range when none, and invert MONOCHROME1)". 8-bit data with an identity modality transform is used as
 * stored (SIIM), so the models see exactly the training pixels; MONOCHROME1 is still inverted there.
 * The window is DICOM's linear VOI function (PS3.3 C.11.2.1.2.1), rounded to integers as an 8-bit image would be.
 */
export function toEightBit(image: Radiograph): Plane {
  const { pixels, rows, columns } = image;
  const out = new Float32Array(pixels.length);
  if (image.eightBit) {
    for (let i = 0; i < pixels.length; i++) {
      const v = Math.min(255, Math.max(0, Math.round(pixels[i])));
      out[i] = image.invert ? 255 - v : v;
    }
    return { rows, columns, data: out };
  }
  const { center, width } = image.window;
  const w = Math.max(width, 1);
  const low = center - 0.5 - (w - 1) / 2;
  const high = center - 0.5 + (w - 1) / 2;
  for (let i = 0; i < pixels.length; i++) {
    const x = pixels[i];
    let v: number;
    if (x <= low) v = 0;
    else if (x > high) v = 255;
    else v = Math.round(((x - (center - 0.5)) / (w - 1 || 1) + 0.5) * 255);
    v = Math.min(255, Math.max(0, v));
    out[i] = image.invert ? 255 - v : v;
  }
  return { rows, columns, data: out };
}
