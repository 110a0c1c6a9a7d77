// Radiograph → probability map (science.md, Preprocessing and Inference): 8-bit → model size → 3 channels / 255
// and the card's normalisation → engine → sigmoid → flip TTA → weighted ensemble → source size. Pure apart from the
// engine calls; models run one after another, each engine already using every core.
import { resizeBilinear, toEightBit, type Normalisation, type Plane, type Radiograph } from '../preprocess';
import type { Engine } from '../runtime/engine';
import { addWeighted, normaliseWeights } from './ensemble';
import { stackedProbability, type MetaModel } from './stacking';
import { mergeTtaMaps, mergeTtaScores, modelBatch, ttaViews, type TtaMode } from './tta';

export type InputSize = { rows: number; columns: number };

export type InferenceModel = {
  engine: Pick<Engine, 'predict'>;
  /** the size the model is fed at: the card's input size, or the user's override */
  inputSize: InputSize;
  normalisation: Normalisation;
};

export type InferenceOptions = {
  /** default 'hflip' */
  tta?: TtaMode;
  /** one per model, normalised to sum 1; default equal */
  weights?: readonly number[];
  /**
   * 'source' (default): the map at the radiograph's size. 'model': at the largest input size of the ensemble, so
   * no model's output is shrunk. The ensemble is averaged at this output size: each model's map is resized to it
   * first, which lets models of different input sizes be mixed.
   */
  output?: 'source' | 'model';
  /**
   * How the TTA views reach each engine. 'separate' (default): one batch-1 pass per view, so an engine holds the
   * intermediates of one image at a time. AlbuNet at 1024 on onnxruntime's CPU provider: 1.75 GB peak against
   * 2.8 GB for the batch of 2, and no slower (20.8 s a batch of 2, 9.5 s a batch of 1): a CPU gains nothing from it.
   * 'batched': all views in one batch, for accelerators that do gain from it.
   */
  ttaPasses?: TtaPasses;
  /**
   * The 2nd place's classifier stage: P(non-empty) is the meta-model's stacking of these models' own P(non-empty)
   * (each model index once, in the meta-model's order) instead of the weighted mean. A classifier that should not
   * draw the map takes weight 0: it still runs, for its score.
   */
  stacking?: Stacking;
};

export type Stacking = { classifiers: readonly number[]; meta: Pick<MetaModel, 'weights' | 'bias'> };

export type TtaPasses = 'separate' | 'batched';

export type InferenceTimings = { preprocessMs: number; modelMs: number; postprocessMs: number };

export type InferenceResult = {
  probabilities: Plane;
  /** the weighted P(non-empty) over the models with a classification head (or the stacked one); null when none has one */
  classifierProbability: number | null;
  timings: InferenceTimings;
};

export async function inferRadiograph(image: Radiograph, models: readonly InferenceModel[], options: InferenceOptions = {}): Promise<InferenceResult> {
  const tta = options.tta ?? 'hflip';
  const weights = normaliseWeights(models.length, options.weights);
  const target = options.output === 'model' ? largestInput(models) : { rows: image.rows, columns: image.columns };
  const timings: InferenceTimings = { preprocessMs: 0, modelMs: 0, postprocessMs: 0 };
  const timed = <T>(phase: keyof InferenceTimings, work: () => T): T => {
    const start = performance.now();
    const result = work();
    timings[phase] += performance.now() - start;
    return result;
  };

  const eightBit = timed('preprocessMs', () => toEightBit(image));
  const resized = new Map<string, Plane>();
  const data = new Float32Array(target.rows * target.columns);
  const scores: { model: number; score: number; weight: number }[] = [];
  for (const [k, model] of models.entries()) {
    const { rows, columns } = model.inputSize;
    const views = timed('preprocessMs', () => {
      const key = `${rows}x${columns}`;
      if (!resized.has(key)) resized.set(key, resizeBilinear(eightBit, rows, columns));
      return ttaViews(resized.get(key)!, tta);
    });
    const passes = (options.ttaPasses ?? 'separate') === 'batched' ? [views] : views.map((view) => [view]);
    const viewLogits: Float32Array[] = [];
    const clsLogits: number[] = [];
    for (const pass of passes) {
      const batch = timed('preprocessMs', () => modelBatch(pass, model.normalisation));
      const start = performance.now();
      const output = await model.engine.predict(batch, pass.length, rows, columns);
      timings.modelMs += performance.now() - start;
      const size = rows * columns;
      pass.forEach((_, v) => viewLogits.push(output.logits.subarray(v * size, (v + 1) * size)));
      if (output.clsLogits) clsLogits.push(...output.clsLogits);
    }
    timed('postprocessMs', () => {
      const map = mergeTtaMaps(viewLogits, rows, columns, tta);
      addWeighted(data, resizeBilinear(map, target.rows, target.columns).data, weights[k]);
      if (clsLogits.length) scores.push({ model: k, score: mergeTtaScores(clsLogits), weight: weights[k] });
    });
  }
  const classifierProbability = options.stacking ? stackedScore(scores, options.stacking) : weightedScore(scores);
  return { probabilities: { ...target, data }, classifierProbability, timings };
}

function largestInput(models: readonly InferenceModel[]): InputSize {
  return {
    rows: Math.max(...models.map((m) => m.inputSize.rows)),
    columns: Math.max(...models.map((m) => m.inputSize.columns)),
  };
}

function stackedScore(scores: readonly { model: number; score: number }[], { classifiers, meta }: Stacking): number {
  const probabilities = classifiers.map((k) => {
    const found = scores.find((s) => s.model === k);
    if (!found) throw new Error(`model ${k + 1} of the ensemble is a classifier of the stacking but gave no P(non-empty): it has no classification head`);
    return found.score;
  });
  return stackedProbability(meta, probabilities);
}

/** The ensemble weights renormalised over the models that have a classifier. */
function weightedScore(scores: readonly { score: number; weight: number }[]): number | null {
  const total = scores.reduce((s, x) => s + x.weight, 0);
  if (scores.length === 0) return null;
  if (total === 0) return scores.reduce((s, x) => s + x.score, 0) / scores.length;
  return scores.reduce((s, x) => s + x.score * x.weight, 0) / total;
}
