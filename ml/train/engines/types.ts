// What the training loop needs from an engine, so one loop (ml/train/trainer.ts) drives both: onnxruntime running
// Pleura's compiled training steps, and TF.js, the reference. Weights cross this boundary as PyTorch-layout
// Float32Arrays by state_dict name; batches as images and masks; optimiser and average state as plain data.
import type { Mask } from '../../post';
import type { Plane } from '../../preprocess';
import type { EmaState } from '../ema';
import type { OptimState } from '../optim';
import type { Stage } from '../plans';

export type TrainingBatch = readonly { image: Plane; mask: Mask }[];

/** The mean teacher's unlabelled images for one step (augmented as the labelled ones) and its term's weight now. */
export type ConsistencyBatch = { images: readonly Plane[]; weight: number };

export type TrainingEngineName = 'onnx' | 'tfjs';

export type TrainingEngineDescription = {
  engine: TrainingEngineName;
  /** the onnxruntime execution provider ('cuda', 'cpu') or the TF.js backend ('tensorflow', 'wasm', 'cpu') */
  backend: string;
  /** why this engine and backend: what auto tried first and passed over, in order */
  skipped: { name: string; reason: string }[];
};

/** One stage's optimiser and weight average over the engine's model. */
export interface StageTrainer {
  /**
   * One optimiser step on the batch at learning rate `lr`; returns the batch's loss. With `consistency` (stages with
   * a mean teacher) the engine first computes the teacher's probabilities on the unlabelled images, then steps on
   * the supervised loss plus the weighted consistency term, and returns their sum.
   */
  step(batch: TrainingBatch, lr: number, consistency?: ConsistencyBatch): Promise<number>;
  /** The stage's exponential average of the weights, when it keeps one. */
  readonly average: WeightAverage | null;
  /** The mean teacher (an average of the weights from the stage's first step), when the stage has one. */
  readonly teacher: WeightAverage | null;
  exportOptimizer(): Promise<OptimState>;
  dispose(): Promise<void>;
}

export interface WeightAverage {
  /** Blends the current weights in; after each step from the stage's EMA start epoch. */
  update(): Promise<void>;
  /** Restarts the average from the current weights. */
  reset(): Promise<void>;
  /** Runs `work` with the averaged weights in the model, the trained ones put back afterwards. */
  applied<T>(work: () => Promise<T>): Promise<T>;
  exportState(): Promise<EmaState>;
}

export interface TrainingEngine {
  describe(): TrainingEngineDescription;
  /** Sets the stage's trainable parts and starts its optimiser (from saved state when resuming). */
  startStage(stage: Stage, saved: { optimizer: OptimState | null; ema: EmaState | null; teacher?: EmaState | null }): Promise<StageTrainer>;
  exportWeights(): Promise<Map<string, Float32Array>>;
  loadWeights(weights: ReadonlyMap<string, Float32Array>): Promise<void>;
  /** Probabilities (sigmoid of the logits) for same-sized images, [n·h·w] row-major: what validation scores. */
  predictProbabilities(images: readonly Plane[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}
