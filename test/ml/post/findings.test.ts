import { describe, expect, it } from 'vitest';
import { createMask, describeFindings, maskAbove, rulePresets, triage, type FindingContext } from '../../../ml/post';
import { mapFromRows, paintRect, uniformMap } from '../../fixtures/masks';

// Two regions of p > 0.3: A in the image's top-left corner, B at the right edge.
const map = mapFromRows([
  [0.9, 0.8, 0, 0, 0, 0],
  [0.7, 0.6, 0, 0, 0, 0.5],
  [0, 0, 0, 0, 0.4, 0.6],
  [0, 0, 0, 0, 0, 0],
]);
const context: FindingContext = { rule: rulePresets['leaderboard-best'], pixelSpacing: { row: 0.2, column: 0.5 }, columnDirection: 'patient-left' };

describe('findings', () => {
  it('describes each region: area in pixels and mm², side, highest and mean probability, box, centroid', () => {
    const result = describeFindings(map, maskAbove(map, 0.3), context);
    expect(result).toMatchObject({ flag: 'positive', rows: 4, columns: 6, areaPixels: 7, side: 'bilateral', rule: context.rule });
    expect(result.score).toBeCloseTo(0.9, 6);
    expect(result.areaMm2).toBeCloseTo(0.7, 12); // 7 pixels of 0.2 mm x 0.5 mm
    const [a, b] = result.findings;
    expect(a).toMatchObject({ label: 1, areaPixels: 4, side: 'right', box: { top: 0, left: 0, bottom: 1, right: 1 }, centroid: { row: 0.5, column: 0.5 } });
    expect(a.areaMm2).toBeCloseTo(0.4, 12);
    expect(a.score).toBeCloseTo(0.9, 6);
    expect(a.meanProbability).toBeCloseTo(0.75, 6);
    expect(b).toMatchObject({ label: 2, areaPixels: 3, side: 'left', box: { top: 1, left: 4, bottom: 2, right: 5 }, centroid: { row: 5 / 3, column: 14 / 3 } });
    expect(b.score).toBeCloseTo(0.6, 6);
    expect(b.meanProbability).toBeCloseTo(0.5, 6);
  });

  it('lists regions largest first and sides them by orientation', () => {
    const flipped = describeFindings(map, maskAbove(map, 0.3), { ...context, columnDirection: 'patient-right' });
    expect(flipped.findings.map((f) => [f.label, f.side])).toEqual([
      [1, 'left'],
      [2, 'right'],
    ]);
    const onlyRight = describeFindings(map, maskAbove(map, 0.75), context);
    expect(onlyRight).toMatchObject({ side: 'right', areaPixels: 2 });
    expect(describeFindings(map, maskAbove(map, 0.3), { ...context, columnDirection: 'unknown' }).side).toBe('unknown');
  });

  it('reports an image it does not flag with score 0, no side, and area 0 (null mm² without spacing)', () => {
    const empty = createMask(map);
    expect(describeFindings(map, empty, context)).toMatchObject({ flag: 'not-flagged', score: 0, side: null, areaPixels: 0, areaMm2: 0, findings: [] });
    expect(describeFindings(map, empty, { ...context, pixelSpacing: null }).areaMm2).toBeNull();
    expect(describeFindings(map, maskAbove(map, 0.3), { ...context, pixelSpacing: null }).findings[0].areaMm2).toBeNull();
  });

  it('rejects a mask of another size and a meaningless pixel spacing', () => {
    expect(() => describeFindings(map, createMask({ rows: 6, columns: 4 }), context)).toThrow(/mask is 6 x 4, expected 4 x 6/);
    expect(() => describeFindings(map, createMask(map), { ...context, pixelSpacing: { row: 0, column: 0.1 } })).toThrow(/pixel spacing must be positive/);
  });
});

describe('triage', () => {
  it('applies the rule, then describes what is left', () => {
    const probabilities = uniformMap({ rows: 1024, columns: 1024 }, 0.05);
    paintRect(probabilities, { top: 300, left: 100, height: 30, width: 30 }, 0.9); // 900 pixels > 0.7, image left
    const { mask, result } = triage(probabilities, { ...context, pixelSpacing: { row: 0.143, column: 0.143 } });
    expect(mask.data.reduce((sum, v) => sum + v, 0)).toBe(900);
    expect(result).toMatchObject({ flag: 'positive', areaPixels: 900, side: 'right' });
    expect(result.areaMm2).toBeCloseTo(900 * 0.143 * 0.143, 9);
    const quiet = triage(probabilities, { ...context, rule: rulePresets['validation-best'] }); // needs 2,000 pixels > 0.75
    expect(quiet.result).toMatchObject({ flag: 'not-flagged', score: 0 });
  });
});
