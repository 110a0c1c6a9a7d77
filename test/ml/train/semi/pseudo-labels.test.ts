// The 3rd place's pseudo-label selection (ml/train/semi/pseudo-labels.ts) on hand-made 4x4 probability maps whose
// verdicts are worked out below: confident positives by the rule and their mean probability, confident negatives by
// their peak, equal numbers of each, at most half the labelled count in all, deterministic order.
import { describe, expect, it } from 'vitest';
import type { PostProcessRule, ProbabilityMap } from '../../../../ml/post';
import { pseudoLabel, selectPseudoLabels, type PseudoLabelCandidate } from '../../../../ml/train/semi/pseudo-labels';

/** At 4x4 the rule's 131072 pixels at 1024x1024 scale to 131072·16/1048576 = 2 pixels above 0.75. */
const RULE: PostProcessRule = { kind: 'triple-threshold', top: 0.75, minArea: 131072, bottom: 0.3, minRegionArea: null };
const CONFIDENCE = { rule: RULE, positiveMeanProbability: 0.7, negativePeak: 0.2 };

function map(background: number, spots: Record<number, number> = {}): ProbabilityMap {
  const data = new Float32Array(16).fill(background);
  for (const [index, p] of Object.entries(spots)) data[Number(index)] = p;
  return { rows: 4, columns: 4, data };
}

// Verdicts: positive (flagged, mean inside the mask ≥ 0.7), negative (peak < 0.2) or neither.
const CANDIDATES: PseudoLabelCandidate[] = [
  { id: 'A', probabilities: map(0.05, { 0: 0.9, 1: 0.9, 2: 0.9 }) }, // flagged, mask 3 px, mean 0.9: positive
  { id: 'B', probabilities: map(0.1, { 0: 0.8, 1: 0.8, 2: 0.4, 3: 0.4 }) }, // flagged, mask 4 px, mean 0.6: neither
  { id: 'C', probabilities: map(0.05, { 4: 0.95, 5: 0.95, 6: 0.95, 7: 0.95 }) }, // mean 0.95: positive
  { id: 'D', probabilities: map(0.1, { 0: 0.9 }) }, // 1 px above 0.75: not flagged; peak 0.9: neither
  { id: 'E', probabilities: map(0.05) }, // peak 0.05: negative
  { id: 'F', probabilities: map(0.05, { 3: 0.15 }) }, // peak 0.15: negative
  { id: 'G', probabilities: map(0.01) }, // peak 0.01: negative
  { id: 'H', probabilities: map(0.1) }, // peak 0.1: negative
  { id: 'I', probabilities: map(0.02, { 8: 0.8, 9: 0.8 }) }, // flagged, mask 2 px, mean 0.8: positive
];

const kept = (labelled: number, candidates = CANDIDATES) => selectPseudoLabels(candidates, labelled, CONFIDENCE).kept.map((k) => `${k.id}${k.positive ? '+' : '-'}`);

describe('selectPseudoLabels', () => {
  it('finds the confident images of each kind', () => {
    expect(selectPseudoLabels(CANDIDATES, 8, CONFIDENCE).confident).toEqual({ positives: 3, negatives: 4 });
  });

  it('keeps equal numbers of each kind, the most confident first, at most half the labelled count', () => {
    expect(kept(8)).toEqual(['C+', 'A+', 'G-', 'E-']); // cap 4: two of each
    expect(kept(9)).toEqual(['C+', 'A+', 'G-', 'E-']); // cap ⌊9/2⌋ = 4
    expect(kept(7)).toEqual(['C+', 'G-']); // cap 3: one of each, the total stays ≤ 3
    expect(kept(20)).toEqual(['C+', 'A+', 'I+', 'G-', 'E-', 'H-']); // cap 10, but only three positives
    expect(kept(3)).toEqual([]); // cap 1: no balanced pair fits
  });

  it('gives positives the rule mask and negatives an empty one', () => {
    const [c, , g] = selectPseudoLabels(CANDIDATES, 8, CONFIDENCE).kept;
    expect(Array.from(c.mask.data)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(g.mask.data.every((v) => v === 0)).toBe(true);
  });

  it('is deterministic: ties go by id, whatever the input order', () => {
    const twins = [
      { id: 'z', probabilities: map(0.05) },
      { id: 'y', probabilities: map(0.05) },
      { id: 'p', probabilities: map(0, { 0: 0.9, 1: 0.9 }) },
    ];
    expect(kept(4, twins)).toEqual(['p+', 'y-']);
    expect(kept(4, [...twins].reverse())).toEqual(['p+', 'y-']);
  });

  it('refuses bad input with specific errors', () => {
    expect(() => selectPseudoLabels([CANDIDATES[0], CANDIDATES[0]], 8, CONFIDENCE)).toThrow(/"A" is listed twice/);
    expect(() => selectPseudoLabels(CANDIDATES, -1, CONFIDENCE)).toThrow(/labelled count/);
    expect(() => selectPseudoLabels(CANDIDATES, 8, { ...CONFIDENCE, negativePeak: 0 })).toThrow(/negativePeak/);
  });
});

describe('pseudoLabel', () => {
  it("labels the unlabelled images with the teacher's maps, batch by batch", async () => {
    const unlabelled = CANDIDATES.map(({ id }) => ({ id, patientId: `patient-${id}`, image: { rows: 4, columns: 4, data: new Float32Array(16) } }));
    const byImage = new Map(unlabelled.map((item, i) => [item.image, CANDIDATES[i].probabilities.data]));
    const batches: number[] = [];
    const teacher = {
      async predictProbabilities(images: readonly { rows: number; columns: number; data: ArrayLike<number> }[]) {
        batches.push(images.length);
        const out = new Float32Array(images.length * 16);
        images.forEach((image, n) => out.set(byImage.get(image as never)!, n * 16));
        return out;
      },
    };
    const { items, selection } = await pseudoLabel(teacher, unlabelled, 8, CONFIDENCE, 4);
    expect(batches).toEqual([4, 4, 1]);
    expect(items.map((item) => [item.id, item.patientId, item.positive])).toEqual([
      ['C', 'patient-C', true],
      ['A', 'patient-A', true],
      ['G', 'patient-G', false],
      ['E', 'patient-E', false],
    ]);
    expect(selection.cap).toBe(4);
  });
});
