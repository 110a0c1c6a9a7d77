import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { heatmapPng, heatmapSize } from '../../../main/triage/heatmap-png';
import { VIRIDIS } from '../../../ml/post/heatmap';

describe('heatmap PNG', () => {
  it.each([
    [[1024, 1024], [512, 512]],
    [[2140, 1760], [512, 421]],
    [[440, 300], [440, 300]],
    [[4000, 3], [512, 1]],
  ])('fits %j within 512 px without enlarging: %j', ([rows, columns], expected) => {
    const size = heatmapSize(rows, columns);
    expect([size.rows, size.columns]).toEqual(expected);
  });

  it('writes an RGB PNG whose pixels are the colormap of the shrunk map', () => {
    // Left half 0, right half 1: shrinking by 2 keeps each half's colour exactly.
    const [rows, columns] = [8, 12];
    const data = Float32Array.from({ length: rows * columns }, (_, i) => (i % columns < columns / 2 ? 0 : 1));
    const png = PNG.sync.read(heatmapPng({ rows, columns, data }, 6));
    expect([png.height, png.width, png.colorType]).toEqual([4, 6, 2]);
    const pixel = (row: number, column: number) => [...png.data.subarray((row * 6 + column) * 4, (row * 6 + column) * 4 + 3)];
    expect(pixel(0, 0)).toEqual([...VIRIDIS.subarray(0, 3)]);
    expect(pixel(3, 5)).toEqual([...VIRIDIS.subarray(255 * 3, 256 * 3)]);
  });
});
