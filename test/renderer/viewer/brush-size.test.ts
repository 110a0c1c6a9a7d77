import { describe, expect, it } from 'vitest';
import { brushDiameters, brushRadius, brushStepCount, brushUnit, clampBrushStep, defaultBrushStep, formatBrushSize } from '../../../renderer/viewer/brush-size';

describe('brush size', () => {
  it('is in mm where the image has a pixel spacing and in image pixels where it has none', () => {
    expect(brushUnit({ row: 0.143, column: 0.143, source: 'ImagerPixelSpacing' })).toBe('mm');
    expect(brushUnit(null)).toBe('px');
  });

  it('starts small enough to trace a pleural rim: 4 mm, 6 px', () => {
    expect(formatBrushSize('mm', defaultBrushStep)).toBe('4 mm');
    expect(formatBrushSize('px', defaultBrushStep)).toBe('6 px');
  });

  it('spans 1 to 50 mm (1 to 200 px) in the same number of steps, smallest first', () => {
    expect(brushDiameters.mm.length).toBe(brushStepCount);
    expect(brushDiameters.px.length).toBe(brushStepCount);
    expect([brushDiameters.mm[0], brushDiameters.mm[brushStepCount - 1]]).toEqual([1, 50]);
    expect([brushDiameters.px[0], brushDiameters.px[brushStepCount - 1]]).toEqual([1, 200]);
    for (const ladder of Object.values(brushDiameters)) expect([...ladder].sort((a, b) => a - b)).toEqual(ladder);
  });

  it('gives Cornerstone half the diameter: its brushSize is a radius in world units', () => {
    expect(brushRadius('mm', 0)).toBe(0.5);
    expect(brushRadius('mm', 4)).toBe(2);
    expect(brushRadius('px', 15)).toBe(100);
  });

  it('stays on the ladder: steps below the first or past the last stop there', () => {
    expect(clampBrushStep(-1)).toBe(0);
    expect(clampBrushStep(16)).toBe(15);
    expect(clampBrushStep(2.4)).toBe(2);
    expect(formatBrushSize('mm', 99)).toBe('50 mm');
  });
});
