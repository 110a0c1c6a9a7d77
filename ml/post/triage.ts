// From a probability map to a verdict: apply the rule, then describe what is left.
import { describeFindings, type FindingContext, type TriageResult } from './findings';
import type { Mask, ProbabilityMap } from './raster';
import { applyRule, type RuleInputs } from './rules';

export type TriageOptions = FindingContext & RuleInputs;

/** The mask is returned beside the result: the viewer overlays it and the export writes it as DICOM SEG. */
export function triage(probabilities: ProbabilityMap, options: TriageOptions): { mask: Mask; result: TriageResult } {
  const mask = applyRule(probabilities, options.rule, options);
  return { mask, result: describeFindings(probabilities, mask, options) };
}
