import type { Normalisation, Plane } from './types';

const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/**
 * science.md: "3 identical channels / 255", then the model's normalisation. Writes one NCHW image into `out` at
 * `offset` (so a batch is filled without copies); the plane must already be at the model's input size.
 */
export function writeModelInput(plane: Plane, normalisation: Normalisation, out: Float32Array, offset = 0): void {
  const n = plane.rows * plane.columns;
  for (let c = 0; c < 3; c++) {
    const mean = normalisation === 'imagenet' ? IMAGENET_MEAN[c] : 0;
    const std = normalisation === 'imagenet' ? IMAGENET_STD[c] : 1;
    const base = offset + c * n;
    for (let i = 0; i < n; i++) out[base + i] = (plane.data[i] / 255 - mean) / std;
  }
}
