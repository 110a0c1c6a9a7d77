// The brush's (and the eraser's) size as the reviewer picks it: one of a ladder of diameters, in millimetres at the
// image's pixel spacing, or in image pixels when the file states none. Cornerstone's BrushTool takes a radius in
// world units, which are millimetres where the image has a spacing and image pixels where it has none
// (decoded-image.ts), so a size covers the same anatomy at any zoom. The ladder is fine at the small end, where a
// pleural rim is traced, and coarse at the large end, where a collapsed region is filled; the slider and the [ and
// ] keys move along it.
import type { PixelSpacing } from '../../main/api/contract';

export type BrushUnit = 'mm' | 'px';

export const brushDiameters: Record<BrushUnit, readonly number[]> = {
  mm: [1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50],
  px: [1, 2, 3, 4, 6, 8, 10, 15, 20, 30, 40, 60, 80, 100, 150, 200],
};

/** Steps on the ladder (the same count in either unit, so a step means the same place on the slider). */
export const brushStepCount = brushDiameters.mm.length;

/** 4 mm (6 px): small enough to follow a pleural line on a chest film. */
export const defaultBrushStep = 4;

export function brushUnit(spacing: PixelSpacing | null): BrushUnit {
  return spacing ? 'mm' : 'px';
}

export function clampBrushStep(step: number): number {
  return Math.min(brushStepCount - 1, Math.max(0, Math.round(step)));
}

export function brushDiameter(unit: BrushUnit, step: number): number {
  return brushDiameters[unit][clampBrushStep(step)];
}

/** What Cornerstone's brushSize wants: the radius in world units. */
export function brushRadius(unit: BrushUnit, step: number): number {
  return brushDiameter(unit, step) / 2;
}

export function formatBrushSize(unit: BrushUnit, step: number): string {
  return `${brushDiameter(unit, step)} ${unit}`;
}
