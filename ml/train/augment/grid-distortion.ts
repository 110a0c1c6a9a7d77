import { geometricTransform } from './geometric';

export interface GridDistortionParams {
  /** per grid cell, how much wider (>1) or narrower the cell becomes; numSteps + 1 entries per axis */
  xSteps: number[];
  ySteps: number[];
}

export interface GridDistortionOptions {
  numSteps?: number;
  distortLimit?: number;
  p?: number;
}

/** albumentations 0.3.1 GridDistortion (num_steps 5, distort_limit 0.3): each grid cell stretched along each axis. */
export function gridDistortion({ numSteps = 5, distortLimit = 0.3, p = 0.5 }: GridDistortionOptions = {}) {
  const steps = (rng: { uniform(a: number, b: number): number }) =>
    Array.from({ length: numSteps + 1 }, () => 1 + rng.uniform(-distortLimit, distortLimit));
  return geometricTransform<GridDistortionParams>({
    name: 'GridDistortion',
    p,
    sample: (rng) => ({ xSteps: steps(rng), ySteps: steps(rng) }),
    map: ({ xSteps, ySteps }, { rows, columns }) => {
      const xs = gridAxis(columns, numSteps, xSteps);
      const ys = gridAxis(rows, numSteps, ySteps);
      const x = new Float32Array(rows * columns);
      const y = new Float32Array(rows * columns);
      for (let r = 0, i = 0; r < rows; r++) {
        x.set(xs, i);
        y.fill(ys[r], i, i + columns);
        i += columns;
      }
      return { rows, columns, x, y };
    },
  });
}

/**
 * The source coordinate of each pixel along one axis, piecewise linear over cells of size // numSteps, the last
 * (partial) cell ending at the edge, as albumentations' grid_distortion. Its np.linspace includes each cell's end,
 * which stretches even an undistorted grid by one pixel per cell; here each cell maps with slope `step` exactly,
 * so steps of 1 are the identity.
 */
function gridAxis(size: number, numSteps: number, steps: number[]): Float32Array {
  const cell = Math.max(1, Math.floor(size / numSteps));
  const out = new Float32Array(size);
  let prev = 0;
  for (let start = 0, idx = 0; start < size; start += cell, idx++) {
    const end = Math.min(start + cell, size);
    const cur = start + cell > size ? size : prev + cell * steps[Math.min(idx, steps.length - 1)];
    const slope = (cur - prev) / (end - start);
    for (let i = start; i < end; i++) out[i] = prev + (i - start) * slope;
    prev = cur;
  }
  return out;
}
