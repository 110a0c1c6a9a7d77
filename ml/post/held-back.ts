// Why a rule left a probability map's mask empty: the first of the rule's conditions the map failed, with the
// numbers that decided it, so a result that is not flagged can say what kept it below the flag. Areas are in the
// rule's own units (pixels at 1024 x 1024), as a model card and the settings state them.
import { REFERENCE_SIZE, scaleArea } from './area-scale';
import { dropSmallRegions } from './regions';
import { checkRaster, countAbove, float32Threshold, maskAbove, maskArea, maxValue, type ProbabilityMap } from './raster';
import type { PostProcessRule, RuleInputs } from './rules';

export type HeldBack =
  /** no pixel above the threshold: the map's peak is at or below it */
  | { kind: 'peak'; threshold: number }
  /** pixels above the threshold, but fewer than the rule asks for (both at 1024 x 1024) */
  | { kind: 'area'; threshold: number; area: number; minArea: number }
  /** the classification head's P(non-empty) is under the gate's minimum */
  | { kind: 'classifier'; probability: number; minimum: number }
  /** every region above the bottom threshold is smaller than the rule's minimum region (at 1024 x 1024) */
  | { kind: 'regions'; minRegionArea: number };

/** Which condition of `rule` empties the mask of `map`; null when the rule keeps a non-empty mask. */
export function heldBack(map: ProbabilityMap, rule: PostProcessRule, inputs: RuleInputs = {}): HeldBack | null {
  checkRaster(map, 'probability map');
  const gate = (threshold: number, minArea: number): HeldBack | null => {
    const above = countAbove(map, threshold);
    if (above === 0) return { kind: 'peak', threshold };
    return above < scaleArea(minArea, map) ? { kind: 'area', threshold, area: atReference(above, map), minArea } : null;
  };
  switch (rule.kind) {
    case 'triple-threshold': {
      const held = gate(rule.top, rule.minArea);
      if (held) return held;
      const mask = maskAbove(map, rule.bottom);
      if (maskArea(mask) === 0) return { kind: 'peak', threshold: rule.bottom };
      if (rule.minRegionArea === null) return null;
      return maskArea(dropSmallRegions(mask, scaleArea(rule.minRegionArea, map))) === 0 ? { kind: 'regions', minRegionArea: rule.minRegionArea } : null;
    }
    case 'classifier-gate': {
      const probability = inputs.nonEmptyProbability;
      if (probability !== undefined && probability < rule.minNonEmptyProbability) return { kind: 'classifier', probability, minimum: rule.minNonEmptyProbability };
      return gate(rule.strongThreshold, rule.minStrongArea) ?? (countAbove(map, rule.maskThreshold) === 0 ? { kind: 'peak', threshold: rule.maskThreshold } : null);
    }
    case 'seeded-threshold': {
      if (!(maxValue(map) > float32Threshold(rule.seedThreshold))) return { kind: 'peak', threshold: rule.seedThreshold };
      return gate(rule.maskThreshold, rule.maxEmptyArea + 1);
    }
  }
}

/** A pixel count at the map's size in the rules' units, pixels at 1024 x 1024, rounded. */
function atReference(pixels: number, map: ProbabilityMap): number {
  return Math.round((pixels * REFERENCE_SIZE.rows * REFERENCE_SIZE.columns) / (map.rows * map.columns));
}
