// The picture an export shows a reader: the radiograph in grey, the model's probabilities laid over it through the
// viewer's colormap (faint where the model is unsure, so the anatomy stays visible), and the mask's contour in a
// colour the colormap never uses. The same composition at full size (Secondary Capture) and thumbnail size (report).
import { checkRaster, type Mask, type ProbabilityMap, type Size } from '../../ml/post';
import { VIRIDIS } from '../../ml/post/heatmap';
import { resizeBilinear, type Plane } from '../../ml/preprocess';

/** Packed RGB, 3 bytes a pixel, row-major. */
export interface RgbImage extends Size {
  data: Uint8Array;
}

export interface OverlayLayers {
  /** the radiograph as displayed, 0..255 (windowed, MONOCHROME1 inverted) */
  gray: Plane;
  /** probabilities 0..1 at any size: scaled onto the image */
  heatmap: ProbabilityMap;
  /** 0/1 at the gray image's size */
  mask: Mask;
}

export const CONTOUR_COLOR: readonly [number, number, number] = [255, 40, 40];
/** the heatmap's opacity at probability 1 */
const HEATMAP_OPACITY = 0.55;

export function composeOverlay(layers: OverlayLayers, size: Size): RgbImage {
  checkRaster(layers.mask, 'mask', layers.gray);
  const gray = resizeBilinear(layers.gray, size.rows, size.columns).data;
  const heat = resizeBilinear(layers.heatmap, size.rows, size.columns).data;
  const contour = maskContour(resizeNearest(layers.mask, size), Math.max(1, Math.round(Math.min(size.rows, size.columns) / 400)));
  const out = new Uint8Array(size.rows * size.columns * 3);
  for (let i = 0; i < gray.length; i++) {
    const at = i * 3;
    if (contour[i]) {
      out.set(CONTOUR_COLOR, at);
      continue;
    }
    const p = Math.min(1, Math.max(0, heat[i]));
    const alpha = HEATMAP_OPACITY * p;
    const level = Math.round(p * 255) * 3;
    for (let c = 0; c < 3; c++) out[at + c] = Math.round(gray[i] * (1 - alpha) + VIRIDIS[level + c] * alpha);
  }
  return { rows: size.rows, columns: size.columns, data: out };
}

function resizeNearest(mask: Mask, size: Size): Mask {
  if (mask.rows === size.rows && mask.columns === size.columns) return mask;
  const data = new Uint8Array(size.rows * size.columns);
  for (let r = 0; r < size.rows; r++) {
    const sr = Math.min(mask.rows - 1, Math.floor(((r + 0.5) * mask.rows) / size.rows));
    for (let c = 0; c < size.columns; c++) {
      data[r * size.columns + c] = mask.data[sr * mask.columns + Math.min(mask.columns - 1, Math.floor(((c + 0.5) * mask.columns) / size.columns))];
    }
  }
  return { rows: size.rows, columns: size.columns, data };
}

/** Set pixels with an unset 4-neighbour (or on the border), thickened to a square pen `2 * width - 1` pixels wide. */
function maskContour(mask: Mask, width: number): Uint8Array {
  const { rows, columns, data } = mask;
  const set = (r: number, c: number) => r >= 0 && r < rows && c >= 0 && c < columns && data[r * columns + c] !== 0;
  const edge = new Uint8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      if (set(r, c) && !(set(r - 1, c) && set(r + 1, c) && set(r, c - 1) && set(r, c + 1))) edge[r * columns + c] = 1;
    }
  }
  if (width <= 1) return edge;
  const reach = width - 1;
  const thick = new Uint8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      if (!edge[r * columns + c]) continue;
      for (let y = Math.max(0, r - reach); y <= Math.min(rows - 1, r + reach); y++) {
        thick.fill(1, y * columns + Math.max(0, c - reach), y * columns + Math.min(columns - 1, c + reach) + 1);
      }
    }
  }
  return thick;
}
