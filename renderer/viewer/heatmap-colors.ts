// The heatmap as an overlay: the model's probabilities (uint8, 0..255 for 0..1) through Viridis — the perceptual
// colormap ml/post/heatmap.ts already uses for pictures — to RGBA. At or below a small probability (the floor) a
// pixel is fully transparent, so the film stays readable where the model sees nothing; from the floor to twice the
// floor it fades in, so the heatmap's edge is soft, not a staircase of the model's coarse pixels. The overall
// opacity is the canvas's.
import { VIRIDIS } from '../../ml/post/heatmap';

export type ByteRaster = { rows: number; columns: number; data: Uint8Array };

/** Below this probability the heatmap draws nothing. */
export const HEATMAP_FLOOR = 0.05;

/** RGBA bytes (row-major, as ImageData wants them) of a uint8 probability raster. */
export function heatmapRgba(heatmap: ByteRaster, floor = HEATMAP_FLOOR, lut: Uint8Array = VIRIDIS): Uint8ClampedArray<ArrayBuffer> {
  const { rows, columns, data } = heatmap;
  if (data.length !== rows * columns) throw new RangeError(`heatmap holds ${data.length} values, but ${rows} x ${columns} needs ${rows * columns}`);
  const levels = lut.length / 3;
  const out = new Uint8ClampedArray(new ArrayBuffer(data.length * 4));
  for (let i = 0; i < data.length; i++) {
    const p = data[i] / 255;
    if (!(p > floor)) continue;
    const level = Math.min(levels - 1, Math.round(p * (levels - 1)));
    out[i * 4] = lut[level * 3];
    out[i * 4 + 1] = lut[level * 3 + 1];
    out[i * 4 + 2] = lut[level * 3 + 2];
    out[i * 4 + 3] = Math.round(Math.min(1, (p - floor) / floor) * 255);
  }
  return out;
}

/** A CSS gradient through the colormap from p = 0 (left) to p = 1 (right), sampled at `stops` evenly spaced points. */
export function legendGradient(stops = 9, lut: Uint8Array = VIRIDIS): string {
  const levels = lut.length / 3;
  const parts: string[] = [];
  for (let s = 0; s < stops; s++) {
    const level = Math.round((s / (stops - 1)) * (levels - 1));
    const rgb = `rgb(${lut[level * 3]}, ${lut[level * 3 + 1]}, ${lut[level * 3 + 2]})`;
    parts.push(`${rgb} ${Math.round((s / (stops - 1)) * 100)}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}
