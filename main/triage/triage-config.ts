// What a workstation triage runs with, from the settings and the current model(s): the models, the rule, the flip
// TTA, each model's input size and the intended use, and the key that names that combination. A stored verdict whose
// key differs from the current one is stale: it was made by another model version, rule, TTA, size or intended use.
import { cardRule, type ModelCard } from '../../ml/io/model-card';
import { rulePreset, type PostProcessRule } from '../../ml/post';
import type { IntendedUse, ThresholdSetting, WorkstationSettings } from '../api/contract';
import type { InstalledModel } from '../models/model-library';
import type { RuleChoice } from './rule-choice';
import type { TriageConfig } from './results-store';

export type JobConfig = TriageConfig & {
  dirs: string[];
  weights: number[];
  tta: WorkstationSettings['tta'];
  ruleChoice: RuleChoice;
  intendedUse: IntendedUse;
  /** the current model is a demonstration model: its results on real radiographs must say so */
  demonstration: boolean;
};

/** One model of what triage runs: the current model (weight 1), then the settings' ensemble members. */
export type WeightedModel = InstalledModel & { weight: number };

/** The settings' rule: the first model card's, a named preset (science.md) or the user's own. */
export function settingsRule(thresholds: ThresholdSetting, card: Pick<ModelCard, 'id' | 'version' | 'thresholds'>): RuleChoice {
  switch (thresholds.kind) {
    case 'card':
      return { rule: cardRule(card), source: { kind: 'card', model: `${card.id}@${card.version}` } };
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

/** Null when no model is current: nothing can be triaged, and every stored verdict is stale. */
export function jobConfig(models: readonly WeightedModel[], settings: Pick<WorkstationSettings, 'thresholds' | 'tta' | 'intendedUse'>): JobConfig | null {
  if (models.length === 0) return null;
  const ruleChoice = settingsRule(settings.thresholds, models[0].card);
  const refs = models.map((model) => model.ref);
  const rule: PostProcessRule = ruleChoice.rule;
  const weights = models.map((model) => model.weight);
  const { tta, intendedUse } = settings;
  const configKey = JSON.stringify({ models: refs, weights, rule, tta, sizes: models.map((model) => model.card.input.size), intendedUse });
  const demonstration = isDemonstrationModel(models[0].card);
  return { configKey, models: refs, rule, tta, ruleChoice, dirs: models.map((model) => model.dir), weights, intendedUse, demonstration };
}
