// What a workstation triage runs with, from the settings and the current model(s): the models, the rule, the flip
// TTA, each model's input size and the intended use, and the key that names that combination. A stored verdict whose
// key differs from the current one is stale: it was made by another model version, set version, rule, TTA, size or
// intended use.
import type { ModelCard } from '../../ml/io/model-card';
import type { Stacking } from '../../ml/infer';
import { rulePreset, type PostProcessRule } from '../../ml/post';
import { ApiError, type IntendedUse, type ThresholdSetting, type WorkstationSettings } from '../api/contract';
import { planRun, RunPlanError, type RunPlan, type RunUnit } from '../inference/run-plan';
import type { RuleChoice } from './rule-choice';
import type { TriageConfig } from './results-store';

export type JobConfig = TriageConfig & {
  /** the model folders to load (a set's members) and their weights and stacking, as planRun gives them */
  dirs: string[];
  weights: number[];
  stacking: Stacking | null;
  tta: WorkstationSettings['tta'];
  ruleChoice: RuleChoice;
  intendedUse: IntendedUse;
  /** the current model is a demonstration model: its results on real radiographs must say so */
  demonstration: boolean;
};

/** One unit of what triage runs, a model or a model set: the current one (weight 1), then the settings' ensemble members. */
export type WeightedModel = RunUnit;

/** The settings' rule: the one the first unit states (a model's card, a set's own rule), a named preset (science.md) or the user's own. */
export function settingsRule(thresholds: ThresholdSetting, stated: RuleChoice): RuleChoice {
  switch (thresholds.kind) {
    case 'card':
      return stated;
    case 'preset':
      return { rule: rulePreset(thresholds.name), source: { kind: 'preset', name: thresholds.name } };
    case 'custom':
      return { rule: thresholds.rule, source: { kind: 'thresholds' } };
  }
}

/**
 * A demonstration model says so in its card: the bundled one's notes begin "Demonstration model", and a model of
 * random weights (`pleura models init`) is no more than one.
 */
export function isDemonstrationModel(card: Pick<ModelCard, 'notes' | 'provenance'>): boolean {
  return /^demonstration model\b/i.test(card.notes.trim()) || card.provenance.source === 'random-init';
}

/**
 * Null when no model is current: nothing can be triaged, and every stored verdict is stale. Throws (ApiError
 * 'unavailable') when the units cannot run together.
 */
export function jobConfig(models: readonly WeightedModel[], settings: Pick<WorkstationSettings, 'thresholds' | 'tta' | 'intendedUse'>): JobConfig | null {
  if (models.length === 0) return null;
  let plan: RunPlan;
  try {
    plan = planRun(models);
  } catch (error) {
    if (error instanceof RunPlanError) throw new ApiError('unavailable', `the current model and ensemble cannot run together: ${error.message}`);
    throw error;
  }
  const ruleChoice = settingsRule(settings.thresholds, plan.ruleChoice);
  const refs = models.map((model) => model.ref);
  const rule: PostProcessRule = ruleChoice.rule;
  const weights = models.map((model) => model.weight);
  const { tta, intendedUse } = settings;
  const sizes = models.map((model) => (model.set ? model.members.map((member) => member.card.input.size) : model.card.input.size));
  // A set's id@version names its members and combination for good (an installed folder never changes); its members
  // are listed too so that the key says what ran. Without sets the key is what it always was.
  const sets = models.flatMap((model) => (model.set ? [{ set: model.ref, members: model.members.map((m) => `${m.id}@${m.version}`), combination: model.set.combination.kind }] : []));
  const configKey = JSON.stringify({ models: refs, weights, rule, tta, sizes, intendedUse, ...(sets.length ? { sets } : {}) });
  const [first] = models;
  const demonstration = first.set ? first.members.some((member) => isDemonstrationModel(member.card)) : isDemonstrationModel(first.card);
  return {
    configKey,
    models: refs,
    rule,
    tta,
    ruleChoice,
    dirs: plan.models.map((model) => model.dir),
    weights: plan.weights,
    stacking: plan.stacking,
    intendedUse,
    demonstration,
  };
}
