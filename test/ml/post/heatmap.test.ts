import { describe, expect, it } from 'vitest';
import { colorizeProbabilities, COLORMAP_LEVELS, VIRIDIS } from '../../../ml/post/heatmap';

const rgb = (lut: Uint8Array, level: number) => [...lut.subarray(level * 3, level * 3 + 3)];

describe('viridis heatmap', () => {
  it('runs from viridis purple at p = 0 to yellow at p = 1, through its published middle', () => {
    expect(VIRIDIS.length).toBe(COLORMAP_LEVELS * 3);
    expect(rgb(VIRIDIS, 0)).toEqual([68, 1, 84]);
    expect(rgb(VIRIDIS, 255)).toEqual([253, 231, 37]);
    // Level 127.5 is p = 0.5, matplotlib's #21918c; the neighbours straddle it.
    for (const [c, value] of [38, 130, 142].entries()) expect(Math.abs((VIRIDIS[127 * 3 + c] + VIRIDIS[128 * 3 + c]) / 2 - value)).toBeLessThanOrEqual(2);
  });

  it('gets brighter along the scale, so order reads in greyscale too', () => {
    const luminance = (level: number) => 0.2126 * VIRIDIS[level * 3] + 0.7152 * VIRIDIS[level * 3 + 1] + 0.0722 * VIRIDIS[level * 3 + 2];
    // Rounding to bytes allows a wobble of a fraction of a grey level between neighbours, never more.
    for (let level = 1; level < COLORMAP_LEVELS; level++) expect(luminance(level)).toBeGreaterThan(luminance(level - 1) - 0.5);
    for (let level = 8; level < COLORMAP_LEVELS; level += 8) expect(luminance(level)).toBeGreaterThan(luminance(level - 8));
  });

  it('colours each pixel in raster order and clamps what lies outside [0, 1]', () => {
    const map = { rows: 2, columns: 3, data: Float32Array.of(0, 1, 0.5, -0.2, 7, Number.NaN) };
    const out = colorizeProbabilities(map);
    expect(out.length).toBe(18);
    const pixel = (i: number) => [...out.subarray(i * 3, i * 3 + 3)];
    expect(pixel(0)).toEqual(rgb(VIRIDIS, 0));
    expect(pixel(1)).toEqual(rgb(VIRIDIS, 255));
    expect(pixel(2)).toEqual(rgb(VIRIDIS, 128));
    expect(pixel(3)).toEqual(rgb(VIRIDIS, 0));
    expect(pixel(4)).toEqual(rgb(VIRIDIS, 255));
    expect(pixel(5)).toEqual(rgb(VIRIDIS, 0));
  });

  it('refuses a map whose data does not match its size', () => {
    expect(() => colorizeProbabilities({ rows: 2, columns: 2, data: new Float32Array(3) })).toThrow(/holds 3 values/);
  });
});
