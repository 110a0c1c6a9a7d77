// What a run's chosen units (the --model folders, or the workstation's current model and ensemble) expand to: the
// model folders to load, one weight each, the stacking of a two-stage set and the rule the first unit states. A model
// is one unit; an average set's members share its weight in proportion to theirs; a two-stage set runs alone.
import { cardRule, modelRef, type ModelCard } from '../../ml/io/model-card';
import { isModelSet, memberDir, readModelSet, setEnsemble, setRule } from '../../ml/io/model-set';
import { readModelCard } from '../../ml/io/model-store';
import { normaliseWeights, type Stacking } from '../../ml/infer';
import type { InstalledUnit } from '../models/model-library';
import type { RuleChoice } from '../triage/rule-choice';
import { ModelLoadError } from './load-ensemble';

/** A model or model set chosen to run, with its ensemble weight. */
export type RunUnit = InstalledUnit & { weight: number };

export type RunPlan = {
  units: RunUnit[];
  /** every model folder to load, in order (a set's members in its card's order) */
  models: { dir: string; card: ModelCard }[];
  /** one per model, normalised: the weight of its map in the average (0 for a classifier of a two-stage set) */
  weights: number[];
  stacking: Stacking | null;
  /** the rule the first unit states: a model's card, or a set's own rule */
  ruleChoice: RuleChoice;
};

/** Units that cannot run together. */
export class RunPlanError extends Error {
  override name = 'RunPlanError';
}

export function planRun(units: readonly RunUnit[]): RunPlan {
  if (units.length === 0) throw new RunPlanError('nothing to run: no model and no model set');
  const twoStage = units.find((unit) => unit.set?.combination.kind === 'two-stage');
  if (twoStage && units.length > 1) {
    throw new RunPlanError(
      `${twoStage.ref} is a two-stage model set: its classifiers decide whether an image is drawn at all, so it runs alone and cannot be averaged with ${units.filter((u) => u !== twoStage).map((u) => u.ref).join(', ')}`,
    );
  }
  const unitWeights = normaliseWeights(units.length, units.map((unit) => unit.weight));
  const models: RunPlan['models'] = [];
  const weights: number[] = [];
  let stacking: Stacking | null = null;
  units.forEach((unit, k) => {
    if (!unit.set) {
      models.push({ dir: unit.dir, card: unit.card });
      weights.push(unitWeights[k]);
      return;
    }
    const ensemble = setEnsemble(unit.set);
    const total = ensemble.weights.reduce((a, b) => a + b, 0);
    unit.members.forEach((member, j) => {
      models.push({ dir: memberDir(unit.dir, member), card: member.card });
      weights.push((unitWeights[k] * ensemble.weights[j]) / total);
    });
    stacking = ensemble.stacking;
  });
  const [first] = units;
  const ruleChoice: RuleChoice = first.set
    ? { rule: setRule(first.set), source: { kind: 'card', model: first.ref } }
    : { rule: cardRule(first.card), source: { kind: 'card', model: first.ref } };
  return { units: [...units], models, weights, stacking, ruleChoice };
}

/** A folder given on the command line as a unit: a model set when it holds set.json, else a model folder. */
export async function readRunUnit(dir: string, weight: number): Promise<RunUnit> {
  try {
    if (await isModelSet(dir)) {
      const { card: set, members } = await readModelSet(dir);
      return { ref: modelRef(set), dir, set, members, weight };
    }
    const card = await readModelCard(dir);
    return { ref: modelRef(card), dir, card, weight };
  } catch (error) {
    throw new ModelLoadError(dir, error);
  }
}
