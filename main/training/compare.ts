// The held-out comparison a finished run ends with: the new model and the current one, each run through the
// inference pipeline (the same preprocessing, engine and post-processing rule as triage) on the run's validation
// images, scored with the challenge metric and as an image flag (mask non-empty = "pneumothorax"), with the sample
// size and 95% intervals, and the verdict the interval of the paired Dice difference supports.
import type { ComparisonVerdict, HeldOutScore, Interval, TrainingComparison } from '../api/contract';
import { inferRadiograph } from '../../ml/infer';
import { applyRule, firstNonZero, imageScore, meanScore, type Mask } from '../../ml/post';
import type { Radiograph } from '../../ml/preprocess';
import type { EngineName } from '../../ml/runtime/engine';
import { disposeEnsemble, inferenceModels, loadEnsemble } from '../inference/load-ensemble';
import { planRun, readRunUnit, type RunUnit } from '../inference/run-plan';
import type { InstalledUnit } from '../models/model-library';
import { splitItems } from '../../ml/train/folds';
import type { TrainingItem } from '../../ml/train/dataset';
import { BOOTSTRAP_RESAMPLES, bootstrapMeanInterval, wilsonRate } from './confidence-intervals';
import { loadTrainingSet } from './data';
import type { TrainingConfig } from './run-training';

/** One validation image with its reference mask (at the image's own size) and its patient. */
export type HeldOutCase = { name: string; patientId: string; image: Radiograph; truth: Mask };

/** A training item (8-bit, at the training size) as the radiograph the inference pipeline takes. */
function asCase(item: TrainingItem): HeldOutCase {
  const { rows, columns, data } = item.image;
  return {
    name: item.id,
    patientId: item.patientId,
    image: { rows, columns, pixels: data, window: { center: 127.5, width: 255 }, invert: false, eightBit: true },
    truth: item.mask,
  };
}

/** The run's validation fold, split exactly as the trainer split it (same data, folds, fold and seed). */
export async function heldOutCases(config: Pick<TrainingConfig, 'data' | 'size' | 'dataDir' | 'folds' | 'fold' | 'seed'>): Promise<HeldOutCase[]> {
  const set = await loadTrainingSet(config.data, config.size, config.dataDir);
  return heldOutCasesOf(splitItems(set.items, config.folds, config.fold, config.seed).validation);
}

/** Training items as the cases a model is scored on. */
export function heldOutCasesOf(items: readonly TrainingItem[]): HeldOutCase[] {
  return items.map(asCase);
}

const isPositive = (mask: Mask) => firstNonZero(mask.data) >= 0;

/** A model on the held-out images: its summary and each image's Dice, in the cases' order. */
export type ModelScore = { score: HeldOutScore; dice: number[] };

/** Mean Dice over the images, and the flag's sensitivity and specificity with their Wilson intervals (null when there are no positives/negatives). */
export function summariseScores(pairs: readonly { truth: Mask; predicted: Mask }[]): ModelScore {
  const counts = { tp: 0, fn: 0, tn: 0, fp: 0 };
  for (const { truth, predicted } of pairs) {
    const key = isPositive(truth) ? (isPositive(predicted) ? 'tp' : 'fn') : isPositive(predicted) ? 'fp' : 'tn';
    counts[key]++;
  }
  const dice = pairs.map(({ truth, predicted }) => imageScore(truth, predicted));
  return {
    score: {
      meanDice: meanScore(dice),
      sensitivity: wilsonRate(counts.tp, counts.tp + counts.fn),
      specificity: wilsonRate(counts.tn, counts.tn + counts.fp),
      images: pairs.length,
    },
    dice,
  };
}

/** Runs the model folder `dir` over the cases, with the thresholds its card states. */
export async function scoreModel(dir: string, cases: readonly HeldOutCase[], engineName: EngineName = 'onnx'): Promise<ModelScore> {
  return scoreUnit(await readRunUnit(dir, 1), cases, engineName);
}

/**
 * Runs a model or a model set over the cases as triage would: the run plan's members (each in its own inference
 * worker), weights, stacking and rule.
 */
export async function scoreUnit(unit: RunUnit, cases: readonly HeldOutCase[], engineName: EngineName = 'onnx'): Promise<ModelScore> {
  const plan = planRun([unit]);
  const members = await loadEnsemble(
    plan.models.map((model) => model.dir),
    { engine: engineName },
  );
  try {
    const models = inferenceModels(members, null);
    const pairs = [];
    for (const { image, truth } of cases) {
      const { probabilities, classifierProbability } = await inferRadiograph(image, models, { weights: plan.weights, stacking: plan.stacking ?? undefined });
      const predicted = applyRule(probabilities, plan.ruleChoice.rule, { nonEmptyProbability: classifierProbability ?? undefined });
      pairs.push({ truth, predicted });
    }
    return summariseScores(pairs);
  } finally {
    await disposeEnsemble(members);
  }
}

/** What the interval of the Dice difference (new − current) supports; no interval (too few images) decides nothing. */
export function verdictOf(interval: Interval | null): Exclude<ComparisonVerdict, 'no-current-model'> {
  if (interval === null) return 'undecided';
  if (interval.low > 0) return 'better';
  if (interval.high < 0) return 'worse';
  return 'undecided';
}

/** The paired difference of two models' Dice over the same images: its mean and bootstrap interval. */
export function diceDifference(candidate: readonly number[], current: readonly number[]): NonNullable<TrainingComparison['diceDifference']> {
  const differences = candidate.map((dice, i) => dice - current[i]);
  return { estimate: meanScore(differences), interval: bootstrapMeanInterval(differences), resamples: BOOTSTRAP_RESAMPLES };
}

/** The new model and the current model or model set on the same held-out cases; `current` null when none is current yet. */
export async function compareOnHeldOut(candidateDir: string, current: InstalledUnit | null, cases: readonly HeldOutCase[]): Promise<TrainingComparison> {
  if (cases.length === 0) throw new Error('the run has no held-out images to compare the models on');
  const sample = { images: cases.length, patients: new Set(cases.map((c) => c.patientId)).size };
  const candidate = await scoreModel(candidateDir, cases);
  if (current === null) return { ...sample, candidate: candidate.score, current: null, diceDifference: null, verdict: 'no-current-model' };
  const currentScore = await scoreUnit({ ...current, weight: 1 }, cases);
  const difference = diceDifference(candidate.dice, currentScore.dice);
  return {
    ...sample,
    candidate: candidate.score,
    current: { ...currentScore.score, ref: current.ref },
    diceDifference: difference,
    verdict: verdictOf(difference.interval),
  };
}
