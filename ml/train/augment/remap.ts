import type { Mask, Plane, Shape } from './types';

/** For every output pixel, where to read in the source (pixel-index coordinates, as cv2.remap's maps). */
export interface CoordinateMap extends Shape {
  x: Float32Array;
  y: Float32Array;
}

/**
 * cv2.BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba): albumentations 0.3's border for every geometric transform,
 * for image and mask alike. Periodic, so coordinates far outside (strong optical distortion) still land inside.
 */
export function reflect101(i: number, n: number): number {
  if (i >= 0 && i < n) return i;
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let j = Math.abs(i) % period;
  if (j >= n) j = period - j;
  return j;
}

/** Bilinear sampling of `src` at the map's coordinates (cv2.INTER_LINEAR, without its 1/32-pixel quantisation). */
export function remapBilinear(src: Plane, map: CoordinateMap): Plane {
  const { rows, columns, x: mx, y: my } = map;
  const w = src.columns;
  const h = src.rows;
  const s = src.data;
  const out = new Float32Array(rows * columns);
  for (let i = 0; i < out.length; i++) {
    const sx = mx[i];
    const sy = my[i];
    const fx0 = Math.floor(sx);
    const fy0 = Math.floor(sy);
    const fx = sx - fx0;
    const fy = sy - fy0;
    let x0 = fx0;
    let x1 = fx0 + 1;
    let y0 = fy0;
    let y1 = fy0 + 1;
    if (x0 < 0 || x1 >= w) {
      x0 = reflect101(x0, w);
      x1 = reflect101(x1, w);
    }
    if (y0 < 0 || y1 >= h) {
      y0 = reflect101(y0, h);
      y1 = reflect101(y1, h);
    }
    const r0 = y0 * w;
    const r1 = y1 * w;
    const top = s[r0 + x0] + (s[r0 + x1] - s[r0 + x0]) * fx;
    const bottom = s[r1 + x0] + (s[r1 + x1] - s[r1 + x0]) * fx;
    out[i] = top + (bottom - top) * fy;
  }
  return { rows, columns, data: out };
}

/** Nearest-neighbour sampling (cv2.INTER_NEAREST, albumentations' mask interpolation): labels stay 0/1. */
export function remapNearest(src: Mask, map: CoordinateMap): Mask {
  const { rows, columns, x: mx, y: my } = map;
  const w = src.columns;
  const h = src.rows;
  const out = new Uint8Array(rows * columns);
  for (let i = 0; i < out.length; i++) {
    const x = reflect101(Math.round(mx[i]), w);
    const y = reflect101(Math.round(my[i]), h);
    out[i] = src.data[y * w + x];
  }
  return { rows, columns, data: out };
}

/**
 * The map is built once per draw and shared by the image and the mask: keyed by the params object (plain data,
 * so a replayed copy simply rebuilds it) and checked against the shape it was built for.
 */
export function memoisedMap<P extends object>(build: (params: P, shape: Shape) => CoordinateMap) {
  const cache = new WeakMap<P, CoordinateMap>();
  return (params: P, shape: Shape): CoordinateMap => {
    const hit = cache.get(params);
    if (hit && hit.rows === shape.rows && hit.columns === shape.columns) return hit;
    const map = build(params, shape);
    cache.set(params, map);
    return map;
  };
}
