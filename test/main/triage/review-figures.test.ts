// A reviewed mask measured as the model's mask is: the model's figures for a confirmation, nothing for an empty
// mask, and for an edit its own area (pixels and mm²), side and the model's peak probability inside it.
import { describe, expect, it } from 'vitest';
import { reviewFigures, type MeasureBasis } from '../../../main/triage/review-figures';
import { maskFromText } from '../../fixtures/masks';

// A 2 x 4 heatmap over a 4 x 8 image: each heatmap pixel covers 2 x 2 image pixels; the left half is high.
const heatmap = { rows: 2, columns: 4, data: Float32Array.from([0.9, 0.9, 0.1, 0.1, 0.9, 0.9, 0.1, 0.1]) };
const model = { score: 0.93, areaPixels: 7, areaMm2: 1.75, side: 'right' as const };
const basis: MeasureBasis = {
  model,
  rule: { kind: 'triple-threshold', top: 0.75, minArea: 0, bottom: 0.4, minRegionArea: null },
  pixelSpacing: { row: 0.5, column: 0.5 },
  columnDirection: 'patient-left',
  probabilities: () => heatmap,
};

describe('reviewFigures', () => {
  it("keeps the model's figures for a confirmation", () => {
    expect(reviewFigures('confirmed', maskFromText('........', '........', '........', '........'), basis)).toBe(model);
  });

  it('has no finding for an empty mask: a rejection, or an edit that erased everything', () => {
    const empty = maskFromText('........', '........', '........', '........');
    expect(reviewFigures('rejected', empty, basis)).toEqual({ score: 0, areaPixels: 0, areaMm2: 0, side: null });
    expect(reviewFigures('edited', empty, { ...basis, pixelSpacing: null })).toEqual({ score: 0, areaPixels: 0, areaMm2: null, side: null });
  });

  it("measures an edit: its pixels, mm² at the spacing, the side, the model's peak inside it", () => {
    // 6 pixels in the image's right half (the patient's left): the heatmap is 0.1 there.
    const right = reviewFigures('edited', maskFromText('.....###', '.....###', '........', '........'), basis);
    expect(right).toMatchObject({ areaPixels: 6, areaMm2: 1.5, side: 'left' });
    expect(right.score).toBeCloseTo(0.1, 6);
    // Spanning both halves: bilateral regions, the peak from the left half's 0.9.
    const both = reviewFigures('edited', maskFromText('#.......', '#......#', '.......#', '........'), basis);
    expect(both).toMatchObject({ areaPixels: 4, areaMm2: 1, side: 'bilateral' });
    expect(both.score).toBeCloseTo(0.9, 6);
  });
});
