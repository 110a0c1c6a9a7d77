import { describe, expect, it } from 'vitest';
import { heatmapRgba, legendGradient } from '../../../renderer/viewer/heatmap-colors';

const pixel = (rgba: Uint8ClampedArray, i: number) => [...rgba.subarray(i * 4, i * 4 + 4)];

describe('heatmapRgba', () => {
  const rgba = heatmapRgba({ rows: 1, columns: 6, data: new Uint8Array([0, 12, 13, 25, 128, 255]) });

  it('draws nothing at or below the floor (p = 0.05)', () => {
    expect(pixel(rgba, 0)).toEqual([0, 0, 0, 0]);
    expect(pixel(rgba, 1)).toEqual([0, 0, 0, 0]); // 12/255 = 0.047
  });

  it('fades in from the floor to twice the floor', () => {
    expect(pixel(rgba, 2)[3]).toBe(5); // 13/255 = 0.0510: (0.0510 - 0.05) / 0.05 * 255 = 5
    expect(pixel(rgba, 3)[3]).toBe(245); // 25/255 = 0.0980: 0.961 * 255 = 245
    expect(pixel(rgba, 4)[3]).toBe(255);
  });

  it('colours through Viridis: level 128 between its 5th and 6th stops, level 255 its last', () => {
    // 128/255 * 8 = 4.016: (38,130,142) + 0.016 * ((31,158,137) - (38,130,142)), rounded.
    expect(pixel(rgba, 4)).toEqual([38, 130, 142, 255]);
    expect(pixel(rgba, 5)).toEqual([253, 231, 37, 255]);
  });

  it('names a raster whose size does not match its data', () => {
    expect(() => heatmapRgba({ rows: 2, columns: 2, data: new Uint8Array(3) })).toThrow('heatmap holds 3 values, but 2 x 2 needs 4');
  });
});

describe('legendGradient', () => {
  it('samples the colormap evenly from p = 0 to p = 1', () => {
    expect(legendGradient(3)).toBe('linear-gradient(to right, rgb(68, 1, 84) 0%, rgb(38, 130, 142) 50%, rgb(253, 231, 37) 100%)');
  });
});
