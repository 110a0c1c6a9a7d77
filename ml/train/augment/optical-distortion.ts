import { geometricTransform } from './geometric';

export interface OpticalDistortionParams {
  /** radial distortion coefficient (k1 = k2 = k): barrel below 0, pincushion above */
  k: number;
  /** shift of the distortion centre in pixels */
  dx: number;
  dy: number;
}

export interface OpticalDistortionOptions {
  distortLimit?: number;
  shiftLimit?: number;
  p?: number;
}

/**
 * albumentations 0.3.1 OpticalDistortion via cv2.initUndistortRectifyMap (focal length = width, k1 = k2 = k).
 * Its shift is round(uniform(±shift_limit)) pixels, so the 1st place's shift_limit 0.5 almost always gives 0; kept.
 * The centre is ((w-1)/2, (h-1)/2) + shift in both projections, so k = 0 is exactly the identity (OpenCV's default
 * new camera matrix centres at (w-1)/2 against the camera's w/2, a half-pixel shift).
 */
export function opticalDistortion({ distortLimit = 2, shiftLimit = 0.5, p = 0.5 }: OpticalDistortionOptions = {}) {
  return geometricTransform<OpticalDistortionParams>({
    name: 'OpticalDistortion',
    p,
    sample: (rng) => ({
      k: rng.uniform(-distortLimit, distortLimit),
      dx: roundHalfEven(rng.uniform(-shiftLimit, shiftLimit)),
      dy: roundHalfEven(rng.uniform(-shiftLimit, shiftLimit)),
    }),
    map: ({ k, dx, dy }, { rows, columns }) => {
      const f = columns;
      const cx = (columns - 1) / 2;
      const cy = (rows - 1) / 2;
      const x = new Float32Array(rows * columns);
      const y = new Float32Array(rows * columns);
      for (let r = 0, i = 0; r < rows; r++) {
        const ny = (r - cy) / f;
        for (let col = 0; col < columns; col++, i++) {
          const nx = (col - cx) / f;
          const r2 = nx * nx + ny * ny;
          const radial = 1 + k * r2 + k * r2 * r2;
          x[i] = f * nx * radial + cx + dx;
          y[i] = f * ny * radial + cy + dy;
        }
      }
      return { rows, columns, x, y };
    },
  });
}

/** Python 3's round(). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
