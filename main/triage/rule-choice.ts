// Which post-processing rule a triage run applies: --thresholds, a named preset, or (by default) the rule the first
// model's card was validated with.
import { cardRule, modelRef } from '../../ml/io/model-card';
import { rulePreset, TripleThreshold, type PostProcessRule } from '../../ml/post';
import type { EnsembleMember } from '../inference/load-ensemble';
import type { RuleSource } from './report';

export type RuleChoice = { rule: PostProcessRule; source: RuleSource };

export class RuleChoiceError extends Error {
  override name = 'RuleChoiceError';
}

/** "top,minArea,bottom" (science.md's triple threshold, areas in pixels at 1024 x 1024), no region filter. */
export function thresholdsChoice(text: string): RuleChoice {
  const parts = text.split(',').map((part) => part.trim());
  const [top, minArea, bottom] = parts.map((part) => (part === '' ? NaN : Number(part)));
  const parsed = TripleThreshold.safeParse({ kind: 'triple-threshold', top, minArea, bottom, minRegionArea: null });
  if (parts.length !== 3 || !parsed.success) {
    throw new RuleChoiceError(
      `--thresholds expects TOP,MIN_AREA,BOTTOM: probabilities in [0, 1] and a whole number of pixels (at 1024 x 1024), e.g. 0.75,2000,0.3; got "${text}"`,
    );
  }
  return { rule: parsed.data, source: { kind: 'thresholds' } };
}

export function presetChoice(name: string): RuleChoice {
  try {
    return { rule: rulePreset(name), source: { kind: 'preset', name } };
  } catch (error) {
    throw new RuleChoiceError((error as Error).message);
  }
}

/** The given choice or the first model's card's; refuses a classifier gate when no model has a classifier. */
export function resolveRule(given: RuleChoice | undefined, members: readonly EnsembleMember[]): RuleChoice {
  const choice = given ?? { rule: cardRule(members[0].card), source: { kind: 'card', model: modelRef(members[0].card) } };
  if (choice.rule.kind === 'classifier-gate' && !members.some((member) => member.engine.loaded.hasClassifier)) {
    throw new RuleChoiceError(
      `the classifier-gate rule needs P(non-empty) from a model with a classification head, and none of ${members.map((m) => modelRef(m.card)).join(', ')} has one; choose another --preset or --thresholds`,
    );
  }
  return choice;
}
