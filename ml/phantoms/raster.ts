// Drawing primitives for the phantoms, all on Float32Array planes: scanline polygon fill, tubes stamped along
// polylines with max blending (so overlapping stamps of one tube keep its cross-section profile), and a separable
// box blur whose three passes approximate a Gaussian in O(pixels) whatever the radius.

export interface Canvas {
  rows: number;
  columns: number;
  data: Float32Array;
}

export type Point = readonly [x: number, y: number];

export function createCanvas(rows: number, columns: number): Canvas {
  return { rows, columns, data: new Float32Array(rows * columns) };
}

/** Even–odd fill of a closed polygon (pixel coordinates, pixel centres at +0.5) with `value`. */
export function fillPolygon(canvas: Canvas, polygon: readonly Point[], value = 1): void {
  const { rows, columns, data } = canvas;
  const crossings: number[] = [];
  let top = Infinity;
  let bottom = -Infinity;
  for (const [, y] of polygon) {
    top = Math.min(top, y);
    bottom = Math.max(bottom, y);
  }
  for (let r = Math.max(0, Math.floor(top)); r <= Math.min(rows - 1, Math.ceil(bottom)); r++) {
    const y = r + 0.5;
    crossings.length = 0;
    for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
      const [xi, yi] = polygon[i];
      const [xj, yj] = polygon[j];
      if ((yi > y) !== (yj > y)) crossings.push(xi + ((y - yi) / (yj - yi)) * (xj - xi));
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const from = Math.max(0, Math.ceil(crossings[k] - 0.5));
      const to = Math.min(columns - 1, Math.floor(crossings[k + 1] - 0.5));
      data.fill(value, r * columns + from, r * columns + to + 1);
    }
  }
}

/** Cross-section of a tube: 1 at the axis, falling to 0 at the radius (`d` is distance / radius, 0..1). */
export type Profile = (d: number) => number;

export const solidTube: Profile = (d) => Math.sqrt(1 - d * d);
/** A bone seen edge-on: a thin bright cortex around a paler marrow. */
export const corticalTube: Profile = (d) => 0.55 * Math.sqrt(1 - d * d) + 0.45 * Math.exp(-(((d - 0.82) / 0.14) ** 2));

/**
 * Stamps a tube along a polyline whose points carry their own radius (pixels), keeping the brightest value at
 * each pixel. Radii below half a pixel are drawn at half a pixel with proportionally lower intensity, so thin
 * branches fade out instead of breaking into dots.
 */
export function strokeTube(canvas: Canvas, points: readonly Point[], radii: readonly number[], profile: Profile, intensity = 1): void {
  for (let i = 0; i + 1 < points.length; i++) {
    const [x0, y0] = points[i];
    const [x1, y1] = points[i + 1];
    const length = Math.hypot(x1 - x0, y1 - y0);
    const steps = Math.max(1, Math.ceil(length / Math.max(0.5, Math.min(radii[i], radii[i + 1]) * 0.5)));
    for (let s = 0; s < steps; s++) {
      const t = s / steps;
      const radius = radii[i] + (radii[i + 1] - radii[i]) * t;
      stampDisc(canvas, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, radius, profile, intensity);
    }
  }
}

function stampDisc(canvas: Canvas, cx: number, cy: number, radius: number, profile: Profile, intensity: number): void {
  const { rows, columns, data } = canvas;
  const r = Math.max(radius, 0.5);
  const scale = intensity * Math.min(1, radius / 0.5);
  const r0 = Math.max(0, Math.floor(cy - r - 0.5));
  const r1 = Math.min(rows - 1, Math.ceil(cy + r - 0.5));
  const c0 = Math.max(0, Math.floor(cx - r - 0.5));
  const c1 = Math.min(columns - 1, Math.ceil(cx + r - 0.5));
  const inverse = 1 / r;
  for (let row = r0; row <= r1; row++) {
    const dy = row + 0.5 - cy;
    const base = row * columns;
    for (let column = c0; column <= c1; column++) {
      const dx = column + 0.5 - cx;
      const d = Math.sqrt(dx * dx + dy * dy) * inverse;
      if (d >= 1) continue;
      const value = scale * profile(d);
      if (value > data[base + column]) data[base + column] = value;
    }
  }
}

/** Three box passes per axis ≈ a Gaussian of standard deviation `sigma` pixels; edges clamp. In place. */
export function blur(canvas: Canvas, sigma: number): Canvas {
  if (sigma < 0.3) return canvas;
  const radius = Math.max(1, Math.round(Math.sqrt(4 * sigma * sigma + 1) / 2 - 0.5));
  const { rows, columns, data } = canvas;
  const line = new Float32Array(columns + 2 * radius + 1);
  const sums = new Float32Array(columns);
  const copy = new Float32Array(data.length);
  for (let pass = 0; pass < 3; pass++) {
    for (let r = 0; r < rows; r++) boxRow(data, r * columns, columns, radius, line);
    copy.set(data);
    boxColumns(copy, data, rows, columns, radius, sums);
  }
  return canvas;
}

/** One row, through a padded copy so the running sum needs no edge tests. */
function boxRow(data: Float32Array, start: number, n: number, radius: number, line: Float32Array): void {
  const first = data[start];
  const last = data[start + n - 1];
  for (let i = 0; i < radius; i++) line[i] = first;
  for (let i = 0; i < n; i++) line[radius + i] = data[start + i];
  for (let i = radius + n; i < line.length; i++) line[i] = last;
  let sum = 0;
  for (let i = 0; i <= 2 * radius; i++) sum += line[i];
  const scale = 1 / (2 * radius + 1);
  for (let i = 0; i < n; i++) {
    data[start + i] = sum * scale;
    sum += line[i + 2 * radius + 1] - line[i];
  }
}

/** All columns at once, a row at a time (memory order), with one running sum per column. */
function boxColumns(from: Float32Array, to: Float32Array, rows: number, columns: number, radius: number, sums: Float32Array): void {
  const rowAt = (r: number) => (r < 0 ? 0 : r >= rows ? rows - 1 : r) * columns;
  sums.fill(0);
  for (let r = -radius; r <= radius; r++) {
    const base = rowAt(r);
    for (let c = 0; c < columns; c++) sums[c] += from[base + c];
  }
  const scale = 1 / (2 * radius + 1);
  for (let r = 0; r < rows; r++) {
    const out = r * columns;
    const add = rowAt(r + radius + 1);
    const drop = rowAt(r - radius);
    for (let c = 0; c < columns; c++) {
      to[out + c] = sums[c] * scale;
      sums[c] += from[add + c] - from[drop + c];
    }
  }
}

/** A wide blur done on a `factor`-times smaller copy and scaled back bilinearly: the same look for a fraction of the work. */
export function wideBlur(canvas: Canvas, sigma: number, factor = 4): Canvas {
  const { rows, columns, data } = canvas;
  const small = createCanvas(Math.ceil(rows / factor), Math.ceil(columns / factor));
  const counts = new Float32Array(small.data.length);
  for (let r = 0; r < rows; r++) {
    const sr = Math.floor(r / factor) * small.columns;
    for (let c = 0; c < columns; c++) {
      const k = sr + Math.floor(c / factor);
      small.data[k] += data[r * columns + c];
      counts[k]++;
    }
  }
  for (let k = 0; k < counts.length; k++) small.data[k] /= counts[k];
  blur(small, sigma / factor);
  for (let r = 0; r < rows; r++) {
    const y = Math.min(small.rows - 1, Math.max(0, (r + 0.5) / factor - 0.5));
    const y0 = Math.floor(y);
    const y1 = Math.min(small.rows - 1, y0 + 1);
    const fy = y - y0;
    for (let c = 0; c < columns; c++) {
      const x = Math.min(small.columns - 1, Math.max(0, (c + 0.5) / factor - 0.5));
      const x0 = Math.floor(x);
      const x1 = Math.min(small.columns - 1, x0 + 1);
      const fx = x - x0;
      const top = small.data[y0 * small.columns + x0] * (1 - fx) + small.data[y0 * small.columns + x1] * fx;
      const bottom = small.data[y1 * small.columns + x0] * (1 - fx) + small.data[y1 * small.columns + x1] * fx;
      data[r * columns + c] = top * (1 - fy) + bottom * fy;
    }
  }
  return canvas;
}
