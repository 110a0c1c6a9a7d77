import { describe, expect, it } from 'vitest';
import { applyRule, maskArea, PostProcessRule, rulePreset, rulePresets, scaleArea, type ProbabilityMap, type TripleThreshold } from '../../../ml/post';
import { paintRect, rectArea, uniformMap, type Rect } from '../../fixtures/masks';

const full = { rows: 1024, columns: 1024 };
const half = { rows: 512, columns: 512 };

/** A background of 0.1 with `strong` pixels at `value` in a 40-row block, inside a 60 x 70 band at 0.5. */
function ringMap(size: typeof full, strong: number, value = 0.8): ProbabilityMap {
  const map = uniformMap(size, 0.1);
  paintRect(map, { top: 90, left: 190, height: 60, width: 70 }, 0.5);
  paintRect(map, { top: 100, left: 200, height: 40, width: 50 }, 0.45);
  for (let i = 0; i < strong; i++) map.data[(100 + Math.floor(i / 50)) * size.columns + 200 + (i % 50)] = value;
  return map;
}
const bandArea = 60 * 70;

describe('area scaling', () => {
  it('keeps areas at 1024 x 1024 and scales by pixel count elsewhere, rounding halves up', () => {
    expect(scaleArea(2000, full)).toBe(2000);
    expect(scaleArea(2000, half)).toBe(500);
    expect(scaleArea(600, { rows: 768, columns: 768 })).toBe(338); // 337.5
    expect(scaleArea(2, half)).toBe(1); // 0.5
    expect(scaleArea(100, { rows: 256, columns: 256 })).toBe(6); // 6.25
  });
});

describe('the triple threshold', () => {
  const validationBest = rulePresets['validation-best'];

  it('has the presets science.md lists', () => {
    const triplet = ({ top, minArea, bottom }: TripleThreshold) => [top, minArea, bottom];
    expect(triplet(rulePresets['validation-best'])).toEqual([0.75, 2000, 0.3]);
    expect(triplet(rulePresets['leaderboard-best'])).toEqual([0.7, 600, 0.3]);
    expect(triplet(rulePresets['final-blend-0.7'])).toEqual([0.7, 800, 0.3]);
    expect(triplet(rulePresets['final-blend-0.75'])).toEqual([0.75, 1500, 0.3]);
  });

  it('keeps p > bottom when at least min_area pixels have p > top, else empties the image', () => {
    expect(maskArea(applyRule(ringMap(full, 2000), validationBest))).toBe(bandArea);
    expect(maskArea(applyRule(ringMap(full, 1999), validationBest))).toBe(0);
    // A pixel equal to top is not above it.
    expect(maskArea(applyRule(ringMap(full, 2000, 0.75), validationBest))).toBe(0);
    expect(maskArea(applyRule(ringMap(full, 600, 0.71), rulePresets['leaderboard-best']))).toBe(bandArea);
    expect(maskArea(applyRule(ringMap(full, 599, 0.71), rulePresets['leaderboard-best']))).toBe(0);
  });

  it('scales min_area with the image: 500 pixels at 512 x 512', () => {
    expect(maskArea(applyRule(ringMap(half, 500), validationBest))).toBe(bandArea);
    expect(maskArea(applyRule(ringMap(half, 499), validationBest))).toBe(0);
  });

  it('drops regions smaller than the minimum region area, when asked', () => {
    const map = ringMap(full, 2000);
    const small: Rect = { top: 500, left: 500, height: 9, width: 11 }; // 99 pixels
    const kept: Rect = { top: 700, left: 700, height: 10, width: 10 }; // 100 pixels
    paintRect(map, small, 0.4);
    paintRect(map, kept, 0.4);
    expect(maskArea(applyRule(map, validationBest))).toBe(bandArea + rectArea(small) + rectArea(kept));
    expect(maskArea(applyRule(map, { ...validationBest, minRegionArea: 100 }))).toBe(bandArea + rectArea(kept));
  });
});

describe('the classifier gate (4th place)', () => {
  const gate = rulePresets['classifier-gate'];
  const gateMap = (strong: number): ProbabilityMap => {
    const map = uniformMap(full, 0.1);
    paintRect(map, { top: 0, left: 0, height: 100, width: 10 }, 0.41); // 1,000 pixels above the mask threshold
    for (let i = 0; i < strong; i++) map.data[i * full.columns + 1023] = 0.9; // in the last column, apart
    return map;
  };

  it('empties the image when P(non-empty) < 0.4 or fewer than 800 pixels have p > 0.8, else keeps p > 0.4', () => {
    expect(maskArea(applyRule(gateMap(800), gate, { nonEmptyProbability: 0.4 }))).toBe(1000 + 800);
    expect(maskArea(applyRule(gateMap(800), gate, { nonEmptyProbability: 0.39 }))).toBe(0);
    expect(maskArea(applyRule(gateMap(799), gate, { nonEmptyProbability: 0.99 }))).toBe(0);
  });

  it('needs the classifier probability', () => {
    expect(() => applyRule(gateMap(800), gate)).toThrow(/needs the classifier's P\(non-empty\)/);
  });
});

describe('the 5th-place rule', () => {
  const rule = rulePresets['fifth-place'];
  const seededMap = (seed: number, grown: number): ProbabilityMap => {
    const map = uniformMap(full, 0.2); // exactly 0.2 is not above the mask threshold
    for (let i = 0; i < grown; i++) map.data[i] = 0.3;
    map.data[0] = seed;
    return map;
  };

  it('empties the image when no pixel is above 0.5, else keeps p > 0.2 unless that has 64 pixels or fewer', () => {
    expect(maskArea(applyRule(seededMap(0.51, 65), rule))).toBe(65);
    expect(maskArea(applyRule(seededMap(0.51, 64), rule))).toBe(0);
    expect(maskArea(applyRule(seededMap(0.5, 500), rule))).toBe(0);
  });
});

describe('the 3rd-place rule', () => {
  const rule = rulePresets['third-place'];

  it('keeps every pixel above 0.5 at any size, one pixel included, with no area gate and no classifier', () => {
    const map = uniformMap(half, 0.5); // exactly 0.5 is not above it
    expect(maskArea(applyRule(map, rule))).toBe(0);
    map.data[7] = 0.51;
    expect(maskArea(applyRule(map, rule))).toBe(1);
    paintRect(map, { top: 10, left: 10, height: 3, width: 4 }, 0.9);
    const mask = applyRule(map, rule);
    expect(maskArea(mask)).toBe(13);
    expect(mask.data[7]).toBe(1);
  });
});

describe('rules as data', () => {
  it('finds presets by name and lists them for an unknown one', () => {
    expect(rulePreset('leaderboard-best')).toEqual({ kind: 'triple-threshold', top: 0.7, minArea: 600, bottom: 0.3, minRegionArea: null });
    expect(() => rulePreset('best')).toThrow(/unknown post-processing preset "best"; presets: validation-best, leaderboard-best/);
  });

  it('validates rules read from a model card', () => {
    for (const rule of Object.values(rulePresets)) expect(PostProcessRule.parse(rule)).toEqual(rule);
    expect(PostProcessRule.safeParse({ kind: 'triple-threshold', top: 1.5, minArea: 2000, bottom: 0.3, minRegionArea: null }).success).toBe(false);
    expect(PostProcessRule.safeParse({ kind: 'triple-threshold', top: 0.7, minArea: 20.5, bottom: 0.3, minRegionArea: null }).success).toBe(false);
    expect(PostProcessRule.safeParse({ kind: 'other' }).success).toBe(false);
  });
});
