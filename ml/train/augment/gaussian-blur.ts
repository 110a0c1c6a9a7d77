import { reflect101 } from './remap';

/**
 * Separable Gaussian blur in place, radius ceil(4σ) like scipy's gaussian_filter (what albumentations 0.3.1's exact
 * elastic transform smooths with), border reflected as cv2.GaussianBlur's default. The kernel is symmetric, so
 * each pass folds the two sides and does half the multiplications; the vertical pass walks whole rows to stay in
 * cache.
 */
export function gaussianBlur(data: Float32Array, rows: number, columns: number, sigma: number): void {
  const radius = Math.max(1, Math.ceil(4 * sigma));
  const kernel = gaussianKernel(sigma, radius);
  blurRows(data, rows, columns, kernel, radius);
  blurColumns(data, rows, columns, kernel, radius);
}

function gaussianKernel(sigma: number, radius: number): Float32Array {
  const k = new Float32Array(radius + 1);
  let sum = 0;
  for (let i = 0; i <= radius; i++) {
    k[i] = Math.exp(-(i * i) / (2 * sigma * sigma));
    sum += i === 0 ? k[i] : 2 * k[i];
  }
  for (let i = 0; i <= radius; i++) k[i] /= sum;
  return k;
}

function blurRows(data: Float32Array, rows: number, columns: number, k: Float32Array, radius: number): void {
  const padded = new Float32Array(columns + 2 * radius);
  for (let r = 0; r < rows; r++) {
    const row = r * columns;
    for (let i = 0; i < padded.length; i++) padded[i] = data[row + reflect101(i - radius, columns)];
    for (let x = 0; x < columns; x++) {
      const c = x + radius;
      let acc = k[0] * padded[c];
      for (let j = 1; j <= radius; j++) acc += k[j] * (padded[c - j] + padded[c + j]);
      data[row + x] = acc;
    }
  }
}

function blurColumns(data: Float32Array, rows: number, columns: number, k: Float32Array, radius: number): void {
  const source = data.slice();
  for (let r = 0; r < rows; r++) {
    const out = r * columns;
    const centre = r * columns;
    for (let x = 0; x < columns; x++) data[out + x] = k[0] * source[centre + x];
    for (let j = 1; j <= radius; j++) {
      const above = reflect101(r - j, rows) * columns;
      const below = reflect101(r + j, rows) * columns;
      const w = k[j];
      for (let x = 0; x < columns; x++) data[out + x] += w * (source[above + x] + source[below + x]);
    }
  }
}
