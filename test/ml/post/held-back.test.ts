// Why a rule left a map unflagged, by hand: each rule's conditions in turn, on maps small enough to count.
import { describe, expect, it } from 'vitest';
import { applyRule, heldBack, maskArea, rulePresets, triage, type PostProcessRule } from '../../../ml/post';
import { paintRect, uniformMap } from '../../fixtures/masks';

const full = { rows: 1024, columns: 1024 };
const half = { rows: 512, columns: 512 };
const triple = (top: number, minArea: number, bottom: number, minRegionArea: number | null = null): PostProcessRule => ({ kind: 'triple-threshold', top, minArea, bottom, minRegionArea });

describe('heldBack', () => {
  it('names the peak below the top threshold', () => {
    const map = uniformMap(half, 0.1);
    paintRect(map, { top: 10, left: 10, height: 4, width: 4 }, 0.31);
    expect(heldBack(map, rulePresets['validation-best'])).toEqual({ kind: 'peak', threshold: 0.75 });
  });

  it('counts the pixels above the top threshold in the rule\'s units (at 1024 x 1024) when too few', () => {
    const map = uniformMap(half, 0.1);
    paintRect(map, { top: 10, left: 10, height: 10, width: 10 }, 0.9); // 100 pixels at 512², 400 at 1024²
    expect(heldBack(map, rulePresets['validation-best'])).toEqual({ kind: 'area', threshold: 0.75, area: 400, minArea: 2000 });
    paintRect(map, { top: 100, left: 100, height: 20, width: 20 }, 0.9); // 500 pixels: 2000 at 1024², enough
    expect(heldBack(map, rulePresets['validation-best'])).toBeNull();
  });

  it('names the region filter when it removed every region', () => {
    const map = uniformMap(full, 0.1);
    paintRect(map, { top: 0, left: 0, height: 5, width: 10 }, 0.9); // 50 pixels above top and bottom
    const rule = triple(0.75, 10, 0.3, 100);
    expect(maskArea(applyRule(map, rule))).toBe(0);
    expect(heldBack(map, rule)).toEqual({ kind: 'regions', minRegionArea: 100 });
    expect(heldBack(map, triple(0.75, 10, 0.3, 50))).toBeNull();
  });

  it("gives the classifier gate's own reasons: the classifier first, then the strong pixels", () => {
    const gate = rulePresets['classifier-gate'];
    const map = uniformMap(full, 0.1);
    paintRect(map, { top: 0, left: 0, height: 10, width: 10 }, 0.95); // 100 strong pixels of the 800 needed
    expect(heldBack(map, gate, { nonEmptyProbability: 0.22 })).toEqual({ kind: 'classifier', probability: 0.22, minimum: 0.4 });
    expect(heldBack(map, gate, { nonEmptyProbability: 0.9 })).toEqual({ kind: 'area', threshold: 0.8, area: 100, minArea: 800 });
    expect(heldBack(uniformMap(full, 0.1), gate, { nonEmptyProbability: 0.9 })).toEqual({ kind: 'peak', threshold: 0.8 });
  });

  it('gives the seeded threshold\'s: no seed, or a mask no larger than the empty area', () => {
    const seeded = rulePresets['fifth-place']; // seed 0.5, mask 0.2, empty up to 64
    expect(heldBack(uniformMap(full, 0.1), seeded)).toEqual({ kind: 'peak', threshold: 0.5 });
    const map = uniformMap(full, 0.1);
    paintRect(map, { top: 0, left: 0, height: 8, width: 8 }, 0.6); // 64 pixels above 0.2: still empty
    expect(heldBack(map, seeded)).toEqual({ kind: 'area', threshold: 0.2, area: 64, minArea: 65 });
  });

  it('comes with every triage verdict that is not flagged, beside the map\'s peak', () => {
    const map = uniformMap(half, 0.1);
    paintRect(map, { top: 10, left: 10, height: 2, width: 2 }, 0.5);
    const context = { rule: rulePresets['validation-best'], pixelSpacing: null, columnDirection: 'patient-left' as const };
    const { result } = triage(map, context);
    expect(result).toMatchObject({ flag: 'not-flagged', score: 0, heldBack: { kind: 'peak', threshold: 0.75 } });
    expect(result.maxProbability).toBeCloseTo(0.5, 6);
    paintRect(map, { top: 100, left: 100, height: 30, width: 30 }, 0.9);
    expect(triage(map, context).result).toMatchObject({ flag: 'positive', heldBack: null });
  });
});
