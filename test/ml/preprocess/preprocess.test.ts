import { describe, expect, it } from 'vitest';
import { flipHorizontal, resizeBilinear, toEightBit, writeModelInput } from '../../../ml/preprocess';

const plane = (rows: number, columns: number, values: number[]) => ({ rows, columns, data: Float32Array.from(values) });

describe('toEightBit', () => {
  it('uses 8-bit data as stored and inverts MONOCHROME1', () => {
    const pixels = Float32Array.from([0, 10, 255, 300]);
    const base = { rows: 2, columns: 2, pixels, window: { center: 0, width: 1 }, eightBit: true };
    expect([...toEightBit({ ...base, invert: false }).data]).toEqual([0, 10, 255, 255]);
    expect([...toEightBit({ ...base, invert: true }).data]).toEqual([255, 245, 0, 0]);
  });

  it('applies the DICOM linear VOI window to other data', () => {
    // center 100, width 101: low = 100 - 0.5 - 50 = 49.5, high = 149.5; y = ((x - 99.5) / 100 + 0.5) * 255
    const pixels = Float32Array.from([49.5, 50, 99.5, 149.5, 150]);
    const out = toEightBit({ rows: 1, columns: 5, pixels, window: { center: 100, width: 101 }, invert: false, eightBit: false });
    expect([...out.data]).toEqual([0, 1, 128, 255, 255]);
    const inverted = toEightBit({ rows: 1, columns: 5, pixels, window: { center: 100, width: 101 }, invert: true, eightBit: false });
    expect([...inverted.data]).toEqual([255, 254, 127, 0, 0]);
  });
});

describe('resizeBilinear', () => {
  it('halves by averaging 2x2 blocks (half-pixel centres)', () => {
    const src = plane(2, 4, [0, 2, 4, 6, 10, 12, 14, 16]);
    expect([...resizeBilinear(src, 1, 2).data]).toEqual([6, 10]);
  });

  it('doubles with clamped edges like OpenCV INTER_LINEAR', () => {
    // 1x2 -> 1x4: positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to index 1)
    expect([...resizeBilinear(plane(1, 2, [0, 8]), 1, 4).data]).toEqual([0, 2, 6, 8]);
  });

  it('copies when the size is unchanged', () => {
    const src = plane(1, 3, [1, 2, 3]);
    const out = resizeBilinear(src, 1, 3);
    expect([...out.data]).toEqual([1, 2, 3]);
    expect(out.data).not.toBe(src.data);
  });
});

describe('flipHorizontal', () => {
  it('mirrors each row and is its own inverse', () => {
    const src = plane(2, 3, [1, 2, 3, 4, 5, 6]);
    expect([...flipHorizontal(src).data]).toEqual([3, 2, 1, 6, 5, 4]);
    expect([...flipHorizontal(flipHorizontal(src)).data]).toEqual([...src.data]);
  });
});

describe('writeModelInput', () => {
  it('writes three identical channels divided by 255', () => {
    const out = new Float32Array(2 * 3);
    writeModelInput(plane(1, 2, [0, 255]), 'none', out);
    expect([...out]).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('applies ImageNet mean and std per channel at an offset', () => {
    const out = new Float32Array(1 + 3);
    writeModelInput(plane(1, 1, [255]), 'imagenet', out, 1);
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(out[2]).toBeCloseTo((1 - 0.456) / 0.224, 5);
    expect(out[3]).toBeCloseTo((1 - 0.406) / 0.225, 5);
  });
});
