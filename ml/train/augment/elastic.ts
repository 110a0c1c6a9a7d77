import { Rng } from '../../random';
import { affineFromPoints, invertAffine } from './affine';
import { gaussianBlur } from './gaussian-blur';
import { geometricTransform } from './geometric';
import type { Shape } from './types';

export interface ElasticParams {
  /** offsets added to the three anchor points of the random affine, [x0, y0, x1, y1, x2, y2] */
  anchorShift: number[];
  /** seeds the displacement noise, as albumentations 0.3.1 draws a random_state for it */
  noiseSeed: number;
}

export interface ElasticOptions {
  alpha?: number;
  sigma?: number;
  alphaAffine?: number;
  p?: number;
}

/**
 * albumentations 0.3.1 ElasticTransform (Simard 2003 with a random affine first). albumentations warps with the
 * affine, then remaps by the smoothed displacement field; here both make one map, so the image is resampled once
 * (less blur; only the borders differ, by where the reflection happens).
 */
export function elasticTransform({ alpha = 120, sigma = 6, alphaAffine = 3.6, p = 0.5 }: ElasticOptions = {}) {
  return geometricTransform<ElasticParams>({
    name: 'ElasticTransform',
    p,
    sample: (rng) => ({
      anchorShift: Array.from({ length: 6 }, () => rng.uniform(-alphaAffine, alphaAffine)),
      noiseSeed: Math.floor(rng.next() * 4294967296),
    }),
    map: (params, shape) => elasticMap(params, shape, alpha, sigma),
  });
}

function elasticMap({ anchorShift, noiseSeed }: ElasticParams, shape: Shape, alpha: number, sigma: number) {
  const { rows, columns } = shape;
  const cx = Math.floor(columns / 2);
  const cy = Math.floor(rows / 2);
  const s = Math.floor(Math.min(rows, columns) / 3);
  const anchors = [
    [cx + s, cy + s],
    [cx + s, cy - s],
    [cx - s, cy - s],
  ];
  const moved = anchors.map(([x, y], i) => [x + anchorShift[2 * i], y + anchorShift[2 * i + 1]]);
  const [a, b, c, d, e, f] = invertAffine(affineFromPoints(anchors, moved));
  const noise = new Rng(noiseSeed);
  const dx = smoothedField(noise, rows, columns, sigma, alpha);
  const dy = smoothedField(noise, rows, columns, sigma, alpha);
  // Output pixel p reads the affine-warped image at p + d(p), i.e. the source at inverse(affine)(p + d(p)).
  for (let r = 0, i = 0; r < rows; r++) {
    for (let col = 0; col < columns; col++, i++) {
      const qx = col + dx[i];
      const qy = r + dy[i];
      dx[i] = a * qx + b * qy + c;
      dy[i] = d * qx + e * qy + f;
    }
  }
  return { rows, columns, x: dx, y: dy };
}

/** Uniform noise in [-1, 1), Gaussian-smoothed, scaled by alpha. */
function smoothedField(rng: Rng, rows: number, columns: number, sigma: number, alpha: number): Float32Array {
  const field = new Float32Array(rows * columns);
  for (let i = 0; i < field.length; i++) field[i] = rng.next() * 2 - 1;
  gaussianBlur(field, rows, columns, sigma);
  for (let i = 0; i < field.length; i++) field[i] *= alpha;
  return field;
}
