// The 2nd place's classifier stage (science.md, "2nd place — two stages"): the classifiers' P(non-empty) combined by
// stacking — a logistic regression (the meta-model) fitted on out-of-fold predictions — and the decision threshold
// on its output. Pure and deterministic: Newton's method (IRLS) from zero, no randomness but the seeded folds.
import { assignFolds, splitFold } from '../train/folds';
import { sigmoid } from './tta';

/** P(pneumothorax) = sigmoid(bias + Σ weights[k]·P_k(non-empty)); an image is positive when it is ≥ threshold. */
export type MetaModel = { weights: number[]; bias: number; threshold: number };

export type StackingMetrics = {
  /** area under the ROC curve of the meta-model's output (ties count one half) */
  auc: number;
  sensitivity: number;
  specificity: number;
  accuracy: number;
  /** mean binary cross-entropy of the meta-model's output */
  logLoss: number;
};

export type LogisticFit = { weights: number[]; bias: number; iterations: number };

export type LogisticOptions = {
  /**
   * L2 penalty on the weights (never the bias), default 0.01. Without one, classifiers that separate the images
   * perfectly send the weights to infinity; 0 gives the plain maximum-likelihood fit.
   */
  ridge?: number;
  maxIterations?: number;
};

export class StackingError extends Error {
  override name = 'StackingError';
}

/** The meta-model's P(pneumothorax) from each classifier's P(non-empty), in the meta-model's order. */
export function stackedProbability(meta: Pick<MetaModel, 'weights' | 'bias'>, probabilities: readonly number[]): number {
  if (probabilities.length !== meta.weights.length) {
    throw new StackingError(`the meta-model takes ${meta.weights.length} classifier probabilities, got ${probabilities.length}`);
  }
  return sigmoid(probabilities.reduce((z, p, k) => z + meta.weights[k] * p, meta.bias));
}

/** Logistic regression by Newton's method (IRLS) on `features` (one row per image), to convergence or an error. */
export function fitLogistic(features: readonly (readonly number[])[], labels: readonly boolean[], options: LogisticOptions = {}): LogisticFit {
  const { ridge = 0.01, maxIterations = 100 } = options;
  checkExamples(features, labels);
  if (!(ridge >= 0 && Number.isFinite(ridge))) throw new StackingError(`the ridge penalty must be finite and non-negative, got ${ridge}`);
  const d = features[0].length + 1;
  // theta[0] is the bias; rows get a leading 1.
  let theta = new Array<number>(d).fill(0);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const gradient = new Array<number>(d).fill(0);
    const hessian = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    features.forEach((row, i) => {
      const x = [1, ...row];
      const p = sigmoid(x.reduce((z, v, k) => z + v * theta[k], 0));
      const residual = (labels[i] ? 1 : 0) - p;
      const w = p * (1 - p);
      for (let a = 0; a < d; a++) {
        gradient[a] += x[a] * residual;
        for (let b = 0; b < d; b++) hessian[a][b] += w * x[a] * x[b];
      }
    });
    for (let a = 1; a < d; a++) {
      gradient[a] -= ridge * theta[a];
      hessian[a][a] += ridge;
    }
    const step = solve(hessian, gradient);
    if (step === null || step.some((s) => !Number.isFinite(s))) {
      throw new StackingError('the meta-model does not converge: the classifiers separate the images perfectly or repeat one another; give a ridge penalty above 0');
    }
    theta = theta.map((t, k) => t + step[k]);
    if (Math.max(...step.map(Math.abs)) < 1e-10) return { bias: theta[0], weights: theta.slice(1), iterations: iteration };
  }
  throw new StackingError(`the meta-model did not converge in ${maxIterations} Newton steps; give a larger ridge penalty`);
}

/**
 * The threshold on `scores` that maximises Youden's J (sensitivity + specificity − 1), positive when score ≥
 * threshold; of equally good ones the lowest, which flags more: a triage flag prefers a false alarm to a miss.
 */
export function youdenThreshold(scores: readonly number[], labels: readonly boolean[]): number {
  const candidates = [...new Set(scores)].sort((a, b) => a - b);
  let best = { threshold: candidates[0], j: -Infinity };
  for (const threshold of candidates) {
    const { sensitivity, specificity } = rates(scores, labels, threshold);
    const j = sensitivity + specificity - 1;
    if (j > best.j) best = { threshold, j };
  }
  return best.threshold;
}

export function stackingMetrics(scores: readonly number[], labels: readonly boolean[], decisions: readonly boolean[]): StackingMetrics {
  const { sensitivity, specificity } = rateOf(decisions, labels);
  const correct = decisions.filter((decision, i) => decision === labels[i]).length;
  const clamp = (p: number) => Math.min(1 - 1e-12, Math.max(1e-12, p));
  const logLoss = -scores.reduce((sum, p, i) => sum + (labels[i] ? Math.log(clamp(p)) : Math.log(1 - clamp(p))), 0) / scores.length;
  return { auc: auc(scores, labels), sensitivity, specificity, accuracy: correct / labels.length, logLoss };
}

export type StackingFit = {
  metaModel: MetaModel;
  /** every image's meta-model output from the fold that did not see it, and the metrics of those outputs */
  outOfFold: { probabilities: number[]; metrics: StackingMetrics };
};

export type StackingOptions = LogisticOptions & { folds: number; seed: number };

/**
 * The meta-model fitted on all images, with metrics that are out-of-fold: for each fold (images grouped by patient
 * and stratified by label, as training splits them) a meta-model and its threshold are fitted on the other folds
 * alone and judge the fold's images. `features[i]` holds each classifier's P(non-empty) on image i.
 */
export function fitStacking(features: readonly (readonly number[])[], labels: readonly boolean[], groups: readonly string[], options: StackingOptions): StackingFit {
  checkExamples(features, labels);
  if (groups.length !== labels.length) throw new StackingError(`${groups.length} patient ids for ${labels.length} images`);
  const assignment = assignFolds(groups, labels, options.folds, options.seed);
  const probabilities = new Array<number>(labels.length);
  const decisions = new Array<boolean>(labels.length);
  for (let fold = 0; fold < options.folds; fold++) {
    const { train, validation } = splitFold(assignment, fold);
    const meta = fitMeta(
      train.map((i) => features[i]),
      train.map((i) => labels[i]),
      options,
      `fold ${fold + 1} of ${options.folds} (its training part)`,
    );
    for (const i of validation) {
      probabilities[i] = stackedProbability(meta, features[i]);
      decisions[i] = probabilities[i] >= meta.threshold;
    }
  }
  return {
    metaModel: fitMeta(features, labels, options, 'the labelled images'),
    outOfFold: { probabilities, metrics: stackingMetrics(probabilities, labels, decisions) },
  };
}

function fitMeta(features: readonly (readonly number[])[], labels: readonly boolean[], options: LogisticOptions, what: string): MetaModel {
  if (labels.every((l) => l) || labels.every((l) => !l)) {
    throw new StackingError(`${what} hold only ${labels[0] ? 'positive' : 'negative'} images; stacking needs both (more images, or fewer folds)`);
  }
  const { weights, bias } = fitLogistic(features, labels, options);
  const inSample = features.map((row) => stackedProbability({ weights, bias }, row));
  return { weights, bias, threshold: youdenThreshold(inSample, labels) };
}

function checkExamples(features: readonly (readonly number[])[], labels: readonly boolean[]): void {
  if (features.length !== labels.length) throw new StackingError(`${features.length} rows of classifier probabilities for ${labels.length} labels`);
  if (features.length === 0) throw new StackingError('stacking needs labelled images; there are none');
  const width = features[0].length;
  if (width === 0) throw new StackingError('stacking needs at least one classifier');
  features.forEach((row, i) => {
    if (row.length !== width) throw new StackingError(`image ${i} has ${row.length} classifier probabilities, the first has ${width}`);
    if (row.some((p) => !(p >= 0 && p <= 1))) throw new StackingError(`image ${i}: classifier probabilities must lie in [0, 1], got ${row.join(', ')}`);
  });
}

function rates(scores: readonly number[], labels: readonly boolean[], threshold: number) {
  return rateOf(scores.map((s) => s >= threshold), labels);
}

/** Sensitivity and specificity of the decisions; a class that is absent scores 0 (it cannot be judged). */
function rateOf(decisions: readonly boolean[], labels: readonly boolean[]) {
  const count = (label: boolean, decision: boolean) => labels.filter((l, i) => l === label && decisions[i] === decision).length;
  const [tp, fn, tn, fp] = [count(true, true), count(true, false), count(false, false), count(false, true)];
  return { sensitivity: tp + fn ? tp / (tp + fn) : 0, specificity: tn + fp ? tn / (tn + fp) : 0 };
}

/** The Mann–Whitney estimate: the share of (positive, negative) pairs the scores order correctly, ties one half. */
function auc(scores: readonly number[], labels: readonly boolean[]): number {
  const positives = scores.filter((_, i) => labels[i]);
  const negatives = scores.filter((_, i) => !labels[i]);
  if (positives.length === 0 || negatives.length === 0) return Number.NaN;
  let wins = 0;
  for (const a of positives) for (const b of negatives) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

/** Solves A·x = b by Gaussian elimination with partial pivoting; null when A is singular. */
function solve(matrix: readonly number[][], vector: readonly number[]): number[] | null {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (Math.abs(a[pivot][col]) < 1e-300) return null;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / a[col][col];
      for (let c = col; c <= n; c++) a[r][c] -= f * a[col][c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = a[r][n];
    for (let c = r + 1; c < n; c++) sum -= a[r][c] * x[c];
    x[r] = sum / a[r][r];
  }
  return x;
}
