// From a probability map to a verdict: apply the rule, then describe what is left, and say what the map's peak was
// and, when nothing is left, which of the rule's conditions held the image back.
import { describeFindings, type FindingContext, type TriageResult } from './findings';
import { heldBack, type HeldBack } from './held-back';
import { maxValue, type Mask, type ProbabilityMap } from './raster';
import { applyRule, type RuleInputs } from './rules';

export type TriageOptions = FindingContext & RuleInputs;

export type TriageVerdict = TriageResult & {
  /** the highest probability anywhere in the map (the score is the highest inside the mask: 0 when not flagged) */
  maxProbability: number;
  /** null when flagged */
  heldBack: HeldBack | null;
};

/** The mask is returned beside the result: the viewer overlays it and the export writes it as DICOM SEG. */
export function triage(probabilities: ProbabilityMap, options: TriageOptions): { mask: Mask; result: TriageVerdict } {
  const mask = applyRule(probabilities, options.rule, options);
  const result = describeFindings(probabilities, mask, options);
  return {
    mask,
    result: { ...result, maxProbability: Math.max(0, maxValue(probabilities)), heldBack: result.flag === 'positive' ? null : heldBack(probabilities, options.rule, options) },
  };
}
