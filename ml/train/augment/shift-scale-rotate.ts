import { affineMap, type Affine } from './affine';
import { geometricTransform } from './geometric';

export interface ShiftScaleRotateParams {
  /** degrees, counter-clockwise on screen (cv2.getRotationMatrix2D) */
  angle: number;
  scale: number;
  /** shifts as fractions of the width / height */
  dx: number;
  dy: number;
}

export interface ShiftScaleRotateOptions {
  shiftLimit?: number;
  scaleLimit?: number;
  rotateLimit?: number;
  p?: number;
}

/** albumentations 0.3.1 ShiftScaleRotate: its defaults are the 1st place's values (±0.0625, ±0.1, ±45°, p 0.5). */
export function shiftScaleRotate({ shiftLimit = 0.0625, scaleLimit = 0.1, rotateLimit = 45, p = 0.5 }: ShiftScaleRotateOptions = {}) {
  return geometricTransform<ShiftScaleRotateParams>({
    name: 'ShiftScaleRotate',
    p,
    sample: (rng) => ({
      angle: rng.uniform(-rotateLimit, rotateLimit),
      scale: rng.uniform(1 - scaleLimit, 1 + scaleLimit),
      dx: rng.uniform(-shiftLimit, shiftLimit),
      dy: rng.uniform(-shiftLimit, shiftLimit),
    }),
    map: (params, shape) => affineMap(shiftScaleRotateMatrix(params, shape.rows, shape.columns), shape),
  });
}

/** cv2.getRotationMatrix2D about (w/2, h/2), then the shift in pixels, as albumentations' shift_scale_rotate. */
export function shiftScaleRotateMatrix({ angle, scale, dx, dy }: ShiftScaleRotateParams, rows: number, columns: number): Affine {
  const theta = (angle * Math.PI) / 180;
  const a = scale * Math.cos(theta);
  const b = scale * Math.sin(theta);
  const cx = columns / 2;
  const cy = rows / 2;
  return [a, b, (1 - a) * cx - b * cy + dx * columns, -b, a, b * cx + (1 - a) * cy + dy * rows];
}
