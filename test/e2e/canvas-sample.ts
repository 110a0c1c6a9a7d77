// What the test reads back from the rendered viewport: a coarse luminance grid over the square the image is
// fitted into (Cornerstone letterboxes a square film into the viewport's centre).
export type CanvasSample = { width: number; height: number; grid: number[]; gridSize: number; mean: number; std: number };

/**
 * Runs in the page (Playwright sends its source), so it is self-contained. Null until the viewport shows more
 * than a flat fill (standard deviation above `minStd`).
 */
export function sampleViewportCanvas({ gridSize, minStd }: { gridSize: number; minStd: number }): CanvasSample | null {
  const source = document.querySelector<HTMLCanvasElement>('[data-testid="viewport"] canvas');
  if (!source || source.width === 0 || source.height === 0) return null;
  const side = Math.min(source.width, source.height);
  const copy = document.createElement('canvas');
  copy.width = gridSize;
  copy.height = gridSize;
  const context = copy.getContext('2d');
  if (!context) return null;
  // Drawing the square scaled down to gridSize x gridSize averages each cell (a good enough box filter).
  context.imageSmoothingQuality = 'high';
  context.drawImage(source, (source.width - side) / 2, (source.height - side) / 2, side, side, 0, 0, gridSize, gridSize);
  const { data } = context.getImageData(0, 0, gridSize, gridSize);
  const grid: number[] = [];
  for (let i = 0; i < data.length; i += 4) grid.push(0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]);
  const mean = grid.reduce((sum, value) => sum + value, 0) / grid.length;
  const std = Math.sqrt(grid.reduce((sum, value) => sum + (value - mean) ** 2, 0) / grid.length);
  return std > minStd ? { width: source.width, height: source.height, grid, gridSize, mean, std } : null;
}

/** Mean luminance of the grid cells inside a box given in fractions of the image (x0, y0, x1, y1). */
export function regionMean(sample: CanvasSample, [x0, y0, x1, y1]: [number, number, number, number]): number {
  const n = sample.gridSize;
  const values: number[] = [];
  for (let y = Math.floor(y0 * n); y < Math.ceil(y1 * n); y++) {
    for (let x = Math.floor(x0 * n); x < Math.ceil(x1 * n); x++) values.push(sample.grid[y * n + x]);
  }
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function meanAbsDifference(a: number[], b: number[]): number {
  return a.reduce((sum, value, i) => sum + Math.abs(value - b[i]), 0) / a.length;
}

export function correlation(a: number[], b: number[]): number {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const ma = mean(a);
  const mb = mean(b);
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}
