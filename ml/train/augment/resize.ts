import { resizeBilinear } from '../../preprocess';
import type { Mask, Transform } from './types';

/** albumentations Resize (always applied): bilinear image (cv2.INTER_LINEAR), nearest mask. */
export function resize(rows: number, columns: number): Transform<null> {
  if (!(Number.isInteger(rows) && Number.isInteger(columns) && rows > 0 && columns > 0)) {
    throw new Error(`resize needs a positive whole size, got ${rows}x${columns}`);
  }
  return {
    name: 'Resize',
    p: 1,
    sample: () => null,
    applyImage: (image) => resizeBilinear(image, rows, columns),
    applyMask: (mask) => resizeNearest(mask, rows, columns),
    outputShape: () => ({ rows, columns }),
  };
}

/** cv2.resize INTER_NEAREST: source index floor(d · src / dst), no half-pixel offset. */
function resizeNearest(mask: Mask, rows: number, columns: number): Mask {
  if (mask.rows === rows && mask.columns === columns) return { rows, columns, data: mask.data.slice() };
  const xs = new Int32Array(columns);
  for (let x = 0; x < columns; x++) xs[x] = Math.min(mask.columns - 1, Math.floor((x * mask.columns) / columns));
  const out = new Uint8Array(rows * columns);
  for (let y = 0; y < rows; y++) {
    const src = Math.min(mask.rows - 1, Math.floor((y * mask.rows) / rows)) * mask.columns;
    const dst = y * columns;
    for (let x = 0; x < columns; x++) out[dst + x] = mask.data[src + xs[x]];
  }
  return { rows, columns, data: out };
}
