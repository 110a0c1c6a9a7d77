import type { Rng } from '../../random';
import { sameShape, type Plane, type Transform } from './types';

const MAX = 255;

/**
 * An image-only transform given as a curve on 0..255: the curve is tabulated once per draw and applied with
 * linear interpolation (exact at whole values, which 8-bit images have before any warp), clipped to [0, 255] as
 * albumentations' uint8 LUT. The mask passes through untouched.
 */
function photometricTransform<P>(spec: {
  name: string;
  p: number;
  sample(rng: Rng): P;
  curve(value: number, params: P): number;
}): Transform<P> {
  return {
    name: spec.name,
    p: spec.p,
    sample: (rng) => spec.sample(rng),
    applyImage: (image, params) => applyCurve(image, (v) => spec.curve(v, params)),
    applyMask: (mask) => mask,
    outputShape: sameShape,
  };
}

function applyCurve(image: Plane, curve: (v: number) => number): Plane {
  const table = new Float32Array(MAX + 2);
  for (let v = 0; v <= MAX; v++) table[v] = Math.min(MAX, Math.max(0, curve(v)));
  table[MAX + 1] = table[MAX];
  const src = image.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i] <= 0 ? 0 : src[i] >= MAX ? MAX : src[i];
    const lo = v | 0;
    out[i] = table[lo] + (table[lo + 1] - table[lo]) * (v - lo);
  }
  return { rows: image.rows, columns: image.columns, data: out };
}

export interface LimitOptions {
  limit?: number;
  p?: number;
}

/** albumentations 0.3.1 RandomContrast(limit 0.2): v · alpha, alpha = 1 + uniform(±limit). */
export function randomContrast({ limit = 0.2, p = 0.5 }: LimitOptions = {}) {
  return photometricTransform<{ alpha: number }>({
    name: 'RandomContrast',
    p,
    sample: (rng) => ({ alpha: 1 + rng.uniform(-limit, limit) }),
    curve: (v, { alpha }) => v * alpha,
  });
}

/**
 * albumentations 0.3.1 RandomBrightness(limit 0.2): v + beta · 255, beta = uniform(±limit) (RandomBrightnessContrast
 * with brightness_by_max, its default).
 */
export function randomBrightness({ limit = 0.2, p = 0.5 }: LimitOptions = {}) {
  return photometricTransform<{ beta: number }>({
    name: 'RandomBrightness',
    p,
    sample: (rng) => ({ beta: rng.uniform(-limit, limit) }),
    curve: (v, { beta }) => v + beta * MAX,
  });
}

/** albumentations 0.3.1 RandomGamma(gamma_limit (80, 120)): 255 · (v / 255)^gamma, gamma = uniform(limit) / 100. */
export function randomGamma({ gammaLimit = [80, 120] as [number, number], p = 0.5 } = {}) {
  return photometricTransform<{ gamma: number }>({
    name: 'RandomGamma',
    p,
    sample: (rng) => ({ gamma: rng.uniform(gammaLimit[0], gammaLimit[1]) / 100 }),
    curve: (v, { gamma }) => MAX * Math.pow(v / MAX, gamma),
  });
}
