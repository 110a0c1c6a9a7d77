// The probability heatmap written beside a triage result: the map shrunk to a size a reviewer's screen shows
// whole (never enlarged), through the viridis colormap, as an RGB PNG.
import { PNG } from 'pngjs';
import { colorizeProbabilities } from '../../ml/post/heatmap';
import type { ProbabilityMap } from '../../ml/post';
import { resizeBilinear } from '../../ml/preprocess';

/** The longest side of a heatmap: enough to see a finding's shape, a few tens of kilobytes a file. */
export const HEATMAP_MAX_SIDE = 512;

export function heatmapSize(rows: number, columns: number, maxSide = HEATMAP_MAX_SIDE): { rows: number; columns: number } {
  const scale = Math.min(1, maxSide / Math.max(rows, columns));
  return { rows: Math.max(1, Math.round(rows * scale)), columns: Math.max(1, Math.round(columns * scale)) };
}

export function heatmapPng(map: ProbabilityMap, maxSide = HEATMAP_MAX_SIDE): Buffer {
  const size = heatmapSize(map.rows, map.columns, maxSide);
  const shown = size.rows === map.rows && size.columns === map.columns ? map : resizeBilinear(map, size.rows, size.columns);
  const png = new PNG({ width: size.columns, height: size.rows });
  png.data = Buffer.from(colorizeProbabilities(shown).buffer);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}
