// The rules that turn a probability map into a mask (science.md, "Post-processing"). A rule is plain data so that a
// model card can record the one its model was validated with; the schemas check rules read from such files.
// Every comparison is strict ("p > t"), and every area is pixels at 1024 x 1024, scaled to the map's size.
import { z } from 'zod';
import { scaleArea } from './area-scale';
import { dropSmallRegions } from './regions';
import { checkRaster, countAbove, createMask, float32Threshold, maskAbove, maskArea, maxValue, type Mask, type ProbabilityMap } from './raster';

const Probability = z.number().min(0).max(1);
const Area = z.number().int().nonnegative();

/** Triplet search results and presets share this shape; a triple-threshold rule adds the optional region filter. */
export const Triplet = z.object({ top: Probability, minArea: Area, bottom: Probability });
export type Triplet = z.infer<typeof Triplet>;

/** 1st place: empty if fewer than minArea pixels have p > top; else p > bottom, minus regions under minRegionArea. */
export const TripleThreshold = Triplet.extend({
  kind: z.literal('triple-threshold'),
  minRegionArea: Area.nullable(),
}).strict();
export type TripleThreshold = z.infer<typeof TripleThreshold>;

/** 4th place: empty if P(non-empty) < minNonEmptyProbability or fewer than minStrongArea pixels have p > strongThreshold; else p > maskThreshold. */
export const ClassifierGate = z
  .object({
    kind: z.literal('classifier-gate'),
    minNonEmptyProbability: Probability,
    strongThreshold: Probability,
    minStrongArea: Area,
    maskThreshold: Probability,
  })
  .strict();
export type ClassifierGate = z.infer<typeof ClassifierGate>;

/** 5th place: empty if no pixel has p > seedThreshold; else p > maskThreshold, empty if that has ≤ maxEmptyArea pixels. */
export const SeededThreshold = z
  .object({
    kind: z.literal('seeded-threshold'),
    seedThreshold: Probability,
    maskThreshold: Probability,
    maxEmptyArea: Area,
  })
  .strict();
export type SeededThreshold = z.infer<typeof SeededThreshold>;

export const PostProcessRule = z.discriminatedUnion('kind', [TripleThreshold, ClassifierGate, SeededThreshold]);
export type PostProcessRule = z.infer<typeof PostProcessRule>;

const triple = (top: number, minArea: number, bottom: number): TripleThreshold => ({ kind: 'triple-threshold', top, minArea, bottom, minRegionArea: null });

export const rulePresets = {
  'validation-best': triple(0.75, 2000, 0.3),
  'leaderboard-best': triple(0.7, 600, 0.3),
  'final-blend-0.7': triple(0.7, 800, 0.3),
  'final-blend-0.75': triple(0.75, 1500, 0.3),
  'classifier-gate': { kind: 'classifier-gate', minNonEmptyProbability: 0.4, strongThreshold: 0.8, minStrongArea: 800, maskThreshold: 0.4 },
  'fifth-place': { kind: 'seeded-threshold', seedThreshold: 0.5, maskThreshold: 0.2, maxEmptyArea: 64 },
  // 3rd place: mask = p > 0.5 everywhere, no area gate, no classifier. The 5th place's shape with both thresholds at
  // 0.5 and no area floor is exactly that (any pixel > 0.5 is a seed and a mask pixel), so the flag follows the mask:
  // flagged when some pixel has p > 0.5.
  'third-place': { kind: 'seeded-threshold', seedThreshold: 0.5, maskThreshold: 0.5, maxEmptyArea: 0 },
} as const satisfies Record<string, PostProcessRule>;
export type RulePresetName = keyof typeof rulePresets;

export function rulePreset(name: string): PostProcessRule {
  if (!Object.hasOwn(rulePresets, name)) throw new RangeError(`unknown post-processing preset "${name}"; presets: ${Object.keys(rulePresets).join(', ')}`);
  return rulePresets[name as RulePresetName];
}

export interface RuleInputs {
  /** the classification head's P(non-empty); the classifier gate needs it, the other rules ignore it */
  nonEmptyProbability?: number;
}

export function applyRule(map: ProbabilityMap, rule: PostProcessRule, inputs: RuleInputs = {}): Mask {
  checkRaster(map, 'probability map');
  switch (rule.kind) {
    case 'triple-threshold': {
      if (countAbove(map, rule.top) < scaleArea(rule.minArea, map)) return createMask(map);
      const mask = maskAbove(map, rule.bottom);
      return rule.minRegionArea === null ? mask : dropSmallRegions(mask, scaleArea(rule.minRegionArea, map));
    }
    case 'classifier-gate': {
      const p = inputs.nonEmptyProbability;
      if (p === undefined || !(p >= 0 && p <= 1)) {
        throw new RangeError(`the classifier gate needs the classifier's P(non-empty) in [0, 1], got ${p}`);
      }
      if (p < rule.minNonEmptyProbability || countAbove(map, rule.strongThreshold) < scaleArea(rule.minStrongArea, map)) return createMask(map);
      return maskAbove(map, rule.maskThreshold);
    }
    case 'seeded-threshold': {
      if (!(maxValue(map) > float32Threshold(rule.seedThreshold))) return createMask(map);
      const mask = maskAbove(map, rule.maskThreshold);
      return maskArea(mask) <= scaleArea(rule.maxEmptyArea, map) ? createMask(map) : mask;
    }
  }
}
