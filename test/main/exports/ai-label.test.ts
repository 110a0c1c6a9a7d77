import { describe, expect, it } from 'vitest';
import { AI_RESULT_LABEL, burnLabel, wrap } from '../../../main/exports/ai-label';

describe('the burned-in label', () => {
  it('wraps at spaces and cuts only words longer than a line', () => {
    expect(wrap('AI RESULT - NOT FOR DIAGNOSIS', 12)).toEqual(['AI RESULT -', 'NOT FOR', 'DIAGNOSIS']);
    expect(wrap('ABCDEFGHIJ KL', 4)).toEqual(['ABCD', 'EFGH', 'IJ', 'KL']);
    expect(wrap(AI_RESULT_LABEL, 100)).toEqual([AI_RESULT_LABEL]);
  });

  it('draws white glyphs on a black band at the top and leaves the rest of the picture', () => {
    const image = { rows: 300, columns: 300, data: new Uint8Array(300 * 300 * 3).fill(128) };
    const band = burnLabel(image, ['PLEURA MODEL@1']);
    // two lines of 10 font rows (2 for accents, 7 for letters, 1 below), 2-pixel margins
    expect(band).toBe(4 + 2 * 10);
    const pixel = (r: number, c: number) => Array.from(image.data.subarray((r * 300 + c) * 3, (r * 300 + c) * 3 + 3));
    const bandPixels = Array.from({ length: band * 300 }, (_, i) => pixel(Math.floor(i / 300), i % 300).join());
    expect(new Set(bandPixels)).toEqual(new Set(['0,0,0', '255,255,255']));
    expect(bandPixels.filter((p) => p === '255,255,255').length).toBeGreaterThan(100);
    expect(pixel(band, 0)).toEqual([128, 128, 128]);
    // "A" of "AI RESULT": its left column is set from the letters' second row down (margin 2, accent rows 2)
    expect(pixel(4, 2)).toEqual([0, 0, 0]);
    expect(pixel(5, 2)).toEqual([255, 255, 255]);
  });

  it('burns a reviewer\'s name with its accents, not as question marks', () => {
    const burn = (name: string) => {
      const image = { rows: 256, columns: 256, data: new Uint8Array(256 * 256 * 3) };
      burnLabel(image, [`REVIEWED BY ${name}`]);
      return image.data;
    };
    expect(burn('ZOË')).not.toEqual(burn('ZOE'));
    expect(burn('ZOË')).not.toEqual(burn('ZO?'));
  });
});
