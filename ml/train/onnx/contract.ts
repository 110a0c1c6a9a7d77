// The pieces of the ONNX training step and how they meet. A step is one ONNX graph compiled from the model IR for
// one batch size and input size (static shapes): the forward pass in training mode, the loss and its gradient with
// respect to the model's outputs, the backward pass over the IR's operations, gradient clipping and the optimiser
// update. Every emitter writes into one OnnxGraphBuilder; values are named by the builder (b.op returns the name).
// All activations are NCHW float32, as in the IR; parameters keep their PyTorch layouts.
import type { OnnxGraphBuilder } from '../../io/onnx-builder';
import type { GraphIR, ValueName } from '../../models';
import type { Shape } from '../../models/shapes';

/** Which parameters train and how the encoder's BatchNorm behaves (science.md: 1st place's fine-tune freezes). */
export type TrainingSetup = {
  /** parameters that get a gradient and an update (state_dict names); everything else is a constant input */
  trainable: ReadonlySet<string>;
  /**
   * BatchNorm nodes (by their weight's name) that normalise with their running statistics, as in eval mode, and
   * leave them unchanged: the 4th place's frozen encoder BN, or `--freeze encoder-bn`. Their γ and β are not in
   * `trainable`. The others use the batch's statistics and update their running ones.
   */
  frozenBatchNorm: ReadonlySet<string>;
};

/**
 * What the forward pass emitted: the ONNX names of the IR values it computed (by IR value name), the updated
 * running statistics (buffer name → ONNX value), and what the backward pass needs. Parameters and buffers are
 * graph inputs named exactly as their state_dict names; the image is the graph input `image` [N, 3, H, W].
 */
export type ForwardResult = {
  values: ReadonlyMap<ValueName, string>;
  /** IR output name ('logits', 'cls_logit') → ONNX value */
  outputs: ReadonlyMap<string, string>;
  runningStats: ReadonlyMap<string, string>;
  /** per node (same index as graph.nodes), what the node saved for its gradient (batch mean, 1/σ, pool indices…) */
  saved: readonly Readonly<Record<string, string>>[];
  shapes: ReadonlyMap<ValueName, Shape>;
};

/** The loss on the model's outputs, and its gradient with respect to each of them (ONNX value names). */
export type LossResult = {
  /** scalar [] */
  loss: string;
  /** d loss / d logits, [N, 1, H, W] */
  dLogits: string;
  /** d loss / d cls_logit, [N, 1]; only for losses that read the classification head */
  dClsLogit?: string;
};

export type LossInputs = {
  /** [N, 1, H, W] */
  logits: string;
  /** [N, 1] when the model has a classification head */
  clsLogit?: string;
  /** the 0/1 mask, [N, 1, H, W] (graph input `target`) */
  target: string;
  /** [N, 1, H, W]: static */
  shape: Shape;
};

/** A trainable parameter's gradient, by state_dict name. */
export type Gradients = ReadonlyMap<string, string>;

export type EmitBackward = (b: OnnxGraphBuilder, graph: GraphIR, forward: ForwardResult, seeds: ReadonlyMap<string, string>, setup: TrainingSetup) => Gradients;

/**
 * Optimiser state per parameter, graph inputs and outputs of the step. Names: `<param>:m`, `<param>:v` (Adam's
 * moments), `<param>:momentum` (SGD's buffer); outputs add the suffix `:next` (`<param>:next`, `<param>:m:next`).
 * Scalars the host changes each step are graph inputs of shape [] (float32): `lr`; for Adam `adam_step_size`
 * (lr / (1 − β1^t)) and `adam_correction2_sqrt` (√(1 − β2^t)) for the 1-based step t of this update, computed on the
 * host in double precision as torch does; for SGD `sgd_first_step` (1 on a parameter's first update, when torch
 * starts the momentum buffer as a copy of the gradient, else 0).
 */
export type OptimizerSpec =
  | { kind: 'adam'; betas: readonly [number, number]; eps: number; weightDecay: number }
  | { kind: 'sgd'; momentum: number; dampening: number; weightDecay: number; nesterov: false };

export const optimizerStateNames: Record<OptimizerSpec['kind'], readonly string[]> = { adam: ['m', 'v'], sgd: ['momentum'] };

/** The host's view of a compiled step: what to feed, what comes back, and the bytes. */
export type CompiledStep = {
  bytes: Uint8Array;
  /** labelled images per step */
  batch: number;
  /** unlabelled images after them (the mean teacher's consistency term; inputs `soft_target`, `consistency_weight`) */
  unlabelled: number;
  height: number;
  width: number;
  /** parameters updated by the step, in a fixed order */
  trainable: readonly string[];
  /** inputs that are read but not updated (frozen parameters, frozen BN statistics) */
  constants: readonly string[];
  /** BatchNorm running statistics updated by the step */
  buffers: readonly string[];
  optimizer: OptimizerSpec;
  /** the global gradient norm before clipping is an output (`grad_norm`) when clipping is on */
  clipNorm: number | null;
};
