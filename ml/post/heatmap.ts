// A probability map as a picture: each probability through a colormap to RGB. Viridis (matplotlib's default) is
// perceptually uniform and reads in order for colour-blind viewers and in greyscale print, unlike a rainbow map,
// whose bright bands invent edges the probabilities do not have.
import { checkRaster, type ProbabilityMap } from './raster';

/** Viridis at 0, 1/8, …, 1 (matplotlib's published values); colours in between are interpolated linearly. */
const VIRIDIS_STOPS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 73, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [110, 206, 88],
  [253, 231, 37],
];

export const COLORMAP_LEVELS = 256;

/** 256 RGB triplets, level 0 for p = 0 up to level 255 for p = 1. */
export const VIRIDIS: Uint8Array = buildLut(VIRIDIS_STOPS, COLORMAP_LEVELS);

function buildLut(stops: readonly (readonly number[])[], levels: number): Uint8Array {
  const lut = new Uint8Array(levels * 3);
  const segments = stops.length - 1;
  for (let level = 0; level < levels; level++) {
    const position = (level / (levels - 1)) * segments;
    const at = Math.min(Math.floor(position), segments - 1);
    const f = position - at;
    for (let c = 0; c < 3; c++) lut[level * 3 + c] = Math.round(stops[at][c] + (stops[at + 1][c] - stops[at][c]) * f);
  }
  return lut;
}

/** The map as packed RGB (3 bytes a pixel, row-major); probabilities outside [0, 1] (or NaN) are clamped. */
export function colorizeProbabilities(map: ProbabilityMap, lut: Uint8Array = VIRIDIS): Uint8Array {
  checkRaster(map, 'probability map');
  const levels = lut.length / 3;
  const out = new Uint8Array(map.data.length * 3);
  for (let i = 0; i < map.data.length; i++) {
    const p = map.data[i];
    const level = p > 0 ? Math.min(levels - 1, Math.round(p * (levels - 1))) : 0;
    out[i * 3] = lut[level * 3];
    out[i * 3 + 1] = lut[level * 3 + 1];
    out[i * 3 + 2] = lut[level * 3 + 2];
  }
  return out;
}
