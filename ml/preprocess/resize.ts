import type { Plane } from './types';

/**
 * Bilinear resize with half-pixel centres and edge clamping: the sampling of OpenCV's INTER_LINEAR (what
 * albumentations' Resize uses for images) and of PyTorch's interpolate(bilinear, align_corners=False), which agree
 * for these inputs. Used for model inputs and for bringing probabilities back to the source size.
 */
export function resizeBilinear(src: Plane, rows: number, columns: number): Plane {
  if (src.rows === rows && src.columns === columns) return { rows, columns, data: src.data.slice() };
  const out = new Float32Array(rows * columns);
  const ys = axisTaps(src.rows, rows);
  const xs = axisTaps(src.columns, columns);
  const s = src.data;
  const sw = src.columns;
  for (let y = 0; y < rows; y++) {
    const y0 = ys.i0[y] * sw;
    const y1 = ys.i1[y] * sw;
    const fy = ys.f[y];
    for (let x = 0; x < columns; x++) {
      const x0 = xs.i0[x];
      const x1 = xs.i1[x];
      const fx = xs.f[x];
      const top = s[y0 + x0] + (s[y0 + x1] - s[y0 + x0]) * fx;
      const bottom = s[y1 + x0] + (s[y1 + x1] - s[y1 + x0]) * fx;
      out[y * columns + x] = top + (bottom - top) * fy;
    }
  }
  return { rows, columns, data: out };
}

/** For each output index along one axis: the two source indices and the weight of the second. */
function axisTaps(srcSize: number, dstSize: number) {
  const i0 = new Int32Array(dstSize);
  const i1 = new Int32Array(dstSize);
  const f = new Float32Array(dstSize);
  const scale = srcSize / dstSize;
  for (let d = 0; d < dstSize; d++) {
    const pos = Math.max(0, (d + 0.5) * scale - 0.5);
    const lo = Math.min(Math.floor(pos), srcSize - 1);
    i0[d] = lo;
    i1[d] = Math.min(lo + 1, srcSize - 1);
    f[d] = pos - lo;
  }
  return { i0, i1, f };
}

/** Mirror left-right (horizontal-flip TTA and augmentation). */
export function flipHorizontal(src: Plane): Plane {
  const { rows, columns, data } = src;
  const out = new Float32Array(data.length);
  for (let y = 0; y < rows; y++) {
    const row = y * columns;
    for (let x = 0; x < columns; x++) out[row + x] = data[row + columns - 1 - x];
  }
  return { rows, columns, data: out };
}
