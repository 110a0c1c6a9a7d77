// A pneumothorax as it shows on a PA film: along an apical/lateral arc of one lung, the visceral pleura has come
// away from the chest wall. Between the two lies air with no lung markings (the region the mask holds); the
// collapsed lung's edge shows as a thin bright pleural line. Built in polar coordinates around the lung's
// centroid: for every direction the chest wall is the lung's farthest pixel, and the lung edge sits a fraction of
// that distance inside it, the fraction a smooth bump over the arc so the rim tapers to nothing at its ends.
import type { Rng } from '../random';
import { createCanvas, type Canvas } from './raster';
import type { ImageSide } from './anatomy';

export interface Pneumothorax {
  /** 1 inside the pleural air (the ground-truth region) */
  mask: Uint8Array;
  /** the visceral pleural line, 0..1 */
  line: Canvas;
  /** largest rim depth as a fraction of the centroid-to-wall distance */
  depth: number;
  /** how much darker than the lung it replaces, 0..1 (drawn) */
  contrast: number;
}

/**
 * `lung`: 1 on this lung's pixels. `side`: which image side the lung is on. `scale`: pixels per 1024-pixel image
 * height, so lines keep their look at any size.
 */
export function drawPneumothorax(rng: Rng, lung: Uint8Array, rows: number, columns: number, side: ImageSide, scale: number): Pneumothorax {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < lung.length; i++) {
    if (!lung[i]) continue;
    sx += i % columns;
    sy += Math.floor(i / columns);
    n++;
  }
  if (n === 0) throw new RangeError('the lung to place a pneumothorax in is empty');
  const cx = sx / n + 0.5;
  const cy = sy / n + 0.5 - 0.05 * rows; // a little above the centroid: the apex is reached more squarely
  let farthest = 0;
  for (let i = 0; i < lung.length; i++) if (lung[i]) farthest = Math.max(farthest, Math.hypot((i % columns) + 0.5 - cx, Math.floor(i / columns) + 0.5 - cy));
  const bins = Math.max(64, Math.round((2 * Math.PI * farthest) / 2));
  const binOf = (x: number, y: number) => {
    const a = Math.atan2(y - cy, x - cx);
    return Math.min(bins - 1, Math.floor(((a + Math.PI) / (2 * Math.PI)) * bins));
  };
  const wall = chestWall(lung, columns, cx, cy, bins, binOf);

  // apical (−90°) to lateral (0°) on the lung's own side, with this lung's lateral direction
  const centre = rng.uniform(-1.75, -0.05);
  const halfSpan = rng.uniform(0.6, 1.5);
  const size = rng.next();
  const depth = 0.05 + 0.5 * size * size; // mostly small rims, sometimes a large collapse
  const contrast = rng.uniform(0.5, 1);
  const rimDepth = new Float32Array(bins); // in pixels
  for (let b = 0; b < bins; b++) {
    const image = -Math.PI + ((b + 0.5) / bins) * 2 * Math.PI;
    const own = side === 1 ? image : wrap(Math.PI - image);
    const offset = wrap(own - centre) / halfSpan;
    const bump = Math.abs(offset) >= 1 ? 0 : Math.cos((offset * Math.PI) / 2) ** 2;
    rimDepth[b] = depth * bump * wall[b];
  }
  // even the smallest rim must be a couple of pixels deep, or a small image would get a positive with no region
  const deepest = rimDepth.reduce((m, v) => Math.max(m, v), 0);
  if (deepest < 2.5) for (let b = 0; b < bins; b++) rimDepth[b] *= 2.5 / deepest;

  const mask = new Uint8Array(lung.length);
  const line = createCanvas(rows, columns);
  const lineHalfWidth = 0.9 * Math.max(0.6, scale);
  for (let i = 0; i < lung.length; i++) {
    if (!lung[i]) continue;
    const x = (i % columns) + 0.5;
    const y = Math.floor(i / columns) + 0.5;
    const b = binOf(x, y);
    const rim = rimDepth[b];
    if (rim < 1) continue;
    const inside = wall[b] - rim; // where the lung edge now lies
    const r = Math.hypot(x - cx, y - cy);
    if (r > inside) mask[i] = 1;
    else if (inside - r < 2 * lineHalfWidth) line.data[i] = Math.min(1, (rim - 1) / (3 * scale));
  }
  return { mask, line, depth, contrast };
}

function wrap(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}

/** Per direction, the distance to the lung's farthest pixel, smoothed over neighbouring directions and gap-filled. */
function chestWall(lung: Uint8Array, columns: number, cx: number, cy: number, bins: number, binOf: (x: number, y: number) => number): Float32Array {
  const raw = new Float32Array(bins);
  for (let i = 0; i < lung.length; i++) {
    if (!lung[i]) continue;
    const x = (i % columns) + 0.5;
    const y = Math.floor(i / columns) + 0.5;
    const b = binOf(x, y);
    raw[b] = Math.max(raw[b], Math.hypot(x - cx, y - cy));
  }
  const wall = new Float32Array(bins);
  const reach = 2;
  for (let b = 0; b < bins; b++) {
    let sum = 0;
    let count = 0;
    for (let k = -reach; k <= reach; k++) {
      const v = raw[(b + k + bins) % bins];
      if (v > 0) {
        sum += v;
        count++;
      }
    }
    wall[b] = count ? sum / count : 0;
  }
  return wall;
}
