// Runs a GraphIR with TF.js ops. Parameters live as tf.Variables (so the same object trains and predicts), kept
// in TF.js layouts: converted once from the PyTorch layout on the way in and back on the way out.
//
// Tensors are NHWC here (TF.js's native layout): `image` is [N, H, W, 3], `logits` [N, H, W, 1], `cls_logit`
// [N, 1]. The IR's channel axis (1) maps to axis 3.
import * as tf from '@tensorflow/tfjs';
import type {
  BatchNormNode,
  Conv2dNode,
  GraphIR,
  GraphNode,
  MaxPoolNode,
  ModelDefinition,
  ModelPart,
  ParamSpec,
  ValueName,
  WeightMap,
} from '../models';
import { checkInputSize, resolveWeights, usedParamNames } from '../models';
import { maxPoolOutputSize } from '../models/shapes';
import { atrousConv, effectiveDilation, liveTaps } from './atrous-conv';
import { batchStatisticsNorm } from './batch-norm';
import { channelMax, globalMaxPool } from './first-max';

export type ForwardOptions = {
  /** BatchNorm on batch statistics (updating running statistics) unless frozen; default false */
  training?: boolean;
};

export type TrainingSetup = {
  /** encoder parameters get no gradient (stage "encoder frozen at first" of the 1024 fine-tuning) */
  freezeEncoder: boolean;
  /**
   * 'frozen': the encoder's BatchNorm uses its running statistics even in training and its affine parameters
   * are not trained (4th place's frozen BN; the right choice at CPU batch sizes of 1–2). 'train': PyTorch's
   * train-mode BN. Decoder BatchNorm always trains.
   */
  encoderBatchNorm: 'train' | 'frozen';
};

export type TfjsOutputs = Record<string, tf.Tensor>;

/** How a PyTorch-layout tensor is stored as a variable. */
type Layout = { kind: 'conv'; groups: number } | { kind: 'linear' } | { kind: 'asIs' };

const CHANNEL_AXIS = 3;

export class TfjsGraphModel {
  private setup: TrainingSetup;
  private disposed = false;
  /** nodes index → values read for the last time there (inference frees them early to cap peak memory) */
  private readonly lastReads: ValueName[][];
  private readonly specs: ReadonlyMap<string, ParamSpec>;

  private constructor(
    readonly definition: ModelDefinition,
    private readonly variables: ReadonlyMap<string, tf.Variable>,
    private readonly layouts: ReadonlyMap<string, Layout>,
    setup: Partial<TrainingSetup>,
  ) {
    this.setup = { freezeEncoder: false, encoderBatchNorm: definition.metadata.encoderBatchNorm, ...setup };
    this.lastReads = lastReadsByNode(definition.graph);
    this.specs = new Map(definition.graph.params.map((p) => [p.name, p]));
    this.applyTrainability();
  }

  /** Builds the variables from PyTorch-layout weights (state_dict names; aliases accepted). No I/O. */
  static fromWeights(definition: ModelDefinition, weights: WeightMap, setup: Partial<TrainingSetup> = {}): TfjsGraphModel {
    const { graph } = definition;
    const resolved = resolveWeights(graph, weights);
    const layouts = paramLayouts(graph);
    const variables = new Map<string, tf.Variable>();
    try {
      for (const spec of graph.params) {
        const value = tf.tidy(() => toTfLayout(tf.tensor(resolved.get(spec.name)!, [...spec.shape]), layouts.get(spec.name)!));
        // Unnamed: tf.variable names are global to the engine, and two models share state_dict names.
        variables.set(spec.name, tf.variable(value, false));
        value.dispose();
      }
    } catch (error) {
      for (const v of variables.values()) v.dispose();
      throw error;
    }
    return new TfjsGraphModel(definition, variables, layouts, setup);
  }

  get trainingSetup(): TrainingSetup {
    return { ...this.setup };
  }

  setTrainingSetup(setup: Partial<TrainingSetup>): void {
    this.setup = { ...this.setup, ...setup };
    this.applyTrainability();
  }

  /** The variables an optimiser should update under the current setup, in graph order. */
  trainableVariables(): tf.Variable[] {
    return [...this.variables.values()].filter((v) => v.trainable);
  }

  /** Every variable by state_dict name (buffers and unused tensors included), for checkpoints. */
  namedVariables(): ReadonlyMap<string, tf.Variable> {
    return this.variables;
  }

  /**
   * The forward pass. Call it inside tf.tidy (or an optimiser's minimize), which owns the intermediates; in
   * training mode BatchNorm updates its running statistics as a side effect, as PyTorch's does.
   */
  forward(image: tf.Tensor4D, options: ForwardOptions = {}): TfjsOutputs {
    this.assertAlive();
    const training = options.training ?? false;
    const { graph } = this.definition;
    checkImage(image, this.definition);
    const values = new Map<ValueName, tf.Tensor>([[graph.inputs[0].name, image]]);
    const keep = new Set([graph.inputs[0].name, ...graph.outputs.map((o) => o.value)]);
    graph.nodes.forEach((node, index) => {
      values.set(node.output, this.run(node, node.inputs.map((name) => values.get(name)!), training));
      if (training) return; // the gradient tape still needs every intermediate
      for (const name of this.lastReads[index]) {
        if (!keep.has(name)) {
          values.get(name)!.dispose();
          values.delete(name);
        }
      }
    });
    return Object.fromEntries(graph.outputs.map((o) => [o.name, values.get(o.value)!]));
  }

  /** Inference: only the returned tensors survive, and they belong to the caller. */
  predict(image: tf.Tensor4D): TfjsOutputs {
    return tf.tidy(() => this.forward(image, { training: false }));
  }

  /** Current values in PyTorch layout under their state_dict names (what a checkpoint or the ONNX export needs). */
  async exportWeights(): Promise<Map<string, Float32Array>> {
    this.assertAlive();
    const out = new Map<string, Float32Array>();
    for (const [name, variable] of this.variables) {
      const spec = this.paramSpec(name);
      const torchLayout = tf.tidy(() => fromTfLayout(variable, this.layouts.get(name)!, spec.shape));
      out.set(name, (await torchLayout.data()) as Float32Array);
      torchLayout.dispose();
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const variable of this.variables.values()) variable.dispose();
  }

  private run(node: GraphNode, inputs: tf.Tensor[], training: boolean): tf.Tensor {
    const [x] = inputs;
    const v = (name: string) => this.variables.get(name)!;
    switch (node.op) {
      case 'conv2d':
        return conv(x as tf.Tensor4D, node, v(node.weight), node.bias ? v(node.bias) : null, training);
      case 'batchNorm':
        return this.batchNorm(x as tf.Tensor4D, node, training);
      case 'maxPool':
        return maxPool(x as tf.Tensor4D, node);
      case 'upsample': {
        const size: [number, number] = [x.shape[1]! * node.scale, x.shape[2]! * node.scale];
        // PyTorch nearest picks floor(dst / scale): no half-pixel shift. Bilinear with align_corners false is
        // TF's half-pixel-centres mode.
        return node.mode === 'nearest'
          ? tf.image.resizeNearestNeighbor(x as tf.Tensor4D, size, false, false)
          : tf.image.resizeBilinear(x as tf.Tensor4D, size, false, true);
      }
      case 'linear': {
        const y = tf.matMul(x as tf.Tensor2D, v(node.weight) as tf.Tensor2D);
        return node.bias ? tf.add(y, v(node.bias)) : y;
      }
      case 'relu':
        return tf.relu(x);
      case 'sigmoid':
        return tf.sigmoid(x);
      case 'silu':
        return tf.mul(x, tf.sigmoid(x));
      case 'add':
        return tf.add(x, inputs[1]);
      case 'mul':
        return tf.mul(x, inputs[1]);
      case 'max':
        return tf.maximum(x, inputs[1]);
      case 'concat':
        return tf.concat(inputs, CHANNEL_AXIS);
      case 'globalAvgPool':
        return tf.mean(x, [1, 2], true);
      case 'globalMaxPool':
        return globalMaxPool(x as tf.Tensor4D);
      case 'channelMean':
        return tf.mean(x, CHANNEL_AXIS, true);
      case 'channelMax':
        return channelMax(x as tf.Tensor4D);
      case 'expandSpatial': {
        // A broadcasting Add, not tf.broadcastTo: that runs Tile, whose gradient adds one slice per repeat (H·W
        // slices here); Add's gradient is one sum over the broadcast axes.
        const [, h, w] = inputs[1].shape;
        return tf.add(x, tf.zeros([1, h!, w!, 1]));
      }
      case 'flatten':
        return tf.reshape(x, [x.shape[0], x.shape[CHANNEL_AXIS]!]);
    }
  }

  private batchNorm(x: tf.Tensor4D, node: BatchNormNode, training: boolean): tf.Tensor4D {
    const v = (name: string) => this.variables.get(name)! as tf.Tensor1D;
    const [gamma, beta, runningMean, runningVar] = [v(node.weight), v(node.bias), v(node.runningMean), v(node.runningVar)];
    const frozen = this.setup.encoderBatchNorm === 'frozen' && this.paramSpec(node.weight).part === 'encoder';
    if (!training || frozen) return tf.batchNorm(x, runningMean, runningVar, beta, gamma, node.eps);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const count = x.size / x.shape[CHANNEL_AXIS];
    tf.tidy(() => {
      // PyTorch normalises with the biased variance but accumulates the unbiased one.
      const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
      const m = node.momentum;
      this.variables.get(node.runningMean)!.assign(tf.add(tf.mul(runningMean, 1 - m), tf.mul(mean, m)));
      this.variables.get(node.runningVar)!.assign(tf.add(tf.mul(runningVar, 1 - m), tf.mul(unbiased, m)));
    });
    return batchStatisticsNorm(x, mean, variance, gamma, beta, node.eps);
  }

  private applyTrainability(): void {
    const { graph } = this.definition;
    const used = usedParamNames(graph);
    const frozenAffine = new Set<string>();
    if (this.setup.encoderBatchNorm === 'frozen') {
      for (const node of graph.nodes) {
        if (node.op === 'batchNorm' && this.paramSpec(node.weight).part === 'encoder') {
          frozenAffine.add(node.weight).add(node.bias);
        }
      }
    }
    for (const spec of graph.params) {
      const frozenPart: ModelPart | null = this.setup.freezeEncoder ? 'encoder' : null;
      this.variables.get(spec.name)!.trainable =
        spec.role === 'parameter' && used.has(spec.name) && spec.part !== frozenPart && !frozenAffine.has(spec.name);
    }
  }

  private paramSpec(name: string): ParamSpec {
    return this.specs.get(name)!;
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error(`the ${this.definition.metadata.arch} model was disposed`);
  }
}

function checkImage(image: tf.Tensor4D, { graph, metadata }: ModelDefinition): void {
  const channels = graph.inputs[0].channels;
  if (image.rank !== 4 || image.shape[3] !== channels) {
    throw new Error(`expected an NHWC image [N, H, W, ${channels}], got [${image.shape}]`);
  }
  checkInputSize(metadata, image.shape[1], image.shape[2]);
}

function conv(x: tf.Tensor4D, node: Conv2dNode, weight: tf.Tensor, bias: tf.Tensor | null, training: boolean): tf.Tensor4D {
  const live = node.stride.every((s) => s === 1) ? liveTaps(node.kernel, node.dilation, node.pad, [x.shape[1], x.shape[2]]) : null;
  if (live) {
    // Both filter layouts ([kh, kw, in, out] and the depthwise one) start with the kernel's rows and columns; the
    // slice's gradient is zero on the dropped taps, as theirs is.
    const kept = tf.slice(weight, [live.first[0], live.first[1], 0, 0], [live.count[0], live.count[1], -1, -1]);
    return conv(x, { ...node, kernel: live.count, pad: live.pads }, kept, bias, training);
  }
  const dilation = effectiveDilation(node.kernel, node.dilation);
  if (dilation.some((d) => d > 1) && training) {
    if (node.stride.some((s) => s > 1)) throw new Error(`TF.js cannot train a convolution with both stride ${node.stride} and dilation ${node.dilation} (${node.weight})`);
    const valid: Conv2dNode = { ...node, pad: [0, 0, 0, 0], dilation: [1, 1] };
    return atrousConv(x, node.kernel, dilation, node.pad, (phases) => conv(phases, valid, weight, bias, training));
  }
  const [pt, pl, pb, pr] = node.pad;
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [pt, pb], [pl, pr], [0, 0]];
  if (node.groups === 1) {
    return tf.fused.conv2d({
      x,
      filter: weight as tf.Tensor4D,
      strides: node.stride as [number, number],
      pad,
      dilations: dilation as [number, number],
      bias: bias ?? undefined,
    });
  }
  // A grouped convolution as one depthwise convolution with a channel multiplier of out/groups, followed by a sum
  // over the inputs of each group: exactly the grouped conv's multiply-adds in two kernels, instead of one small
  // convolution per group (32 for ResNeXt). The variable holds the depthwise filter [kh, kw, in, out/groups].
  const outPerGroup = node.outChannels / node.groups;
  const inPerGroup = node.inChannels / node.groups;
  const expanded = tf.depthwiseConv2d(x, weight as tf.Tensor4D, node.stride as [number, number], pad, 'NHWC', dilation as [number, number]);
  // A depthwise convolution (EfficientNet's) has one input per group: nothing to sum.
  if (inPerGroup === 1) return bias ? tf.add(expanded, bias) : expanded;
  const [n, h, w] = expanded.shape;
  const grouped = tf.sum(tf.reshape(expanded, [n, h, w, node.groups, inPerGroup, outPerGroup]), 4);
  const y = tf.reshape(grouped, [n, h, w, node.outChannels]) as tf.Tensor4D;
  return bias ? tf.add(y, bias) : y;
}

function maxPool(x: tf.Tensor4D, node: MaxPoolNode): tf.Tensor4D {
  const [pt, pl, pb, pr] = node.pad;
  const [kh, kw] = node.kernel;
  const [sh, sw] = node.stride;
  const [oh, ow] = maxPoolOutputSize(node, x.shape[1], x.shape[2]);
  // Ceil mode = extra padding at the end so the last window fits; padded cells never win a max.
  const extraBottom = Math.max(0, (oh - 1) * sh + kh - (x.shape[1] + pt + pb));
  const extraRight = Math.max(0, (ow - 1) * sw + kw - (x.shape[2] + pl + pr));
  return tf.maxPool(x, [kh, kw], [sh, sw], [[0, 0], [pt, pb + extraBottom], [pl, pr + extraRight], [0, 0]]);
}

function paramLayouts(graph: GraphIR): Map<string, Layout> {
  const layouts = new Map<string, Layout>(graph.params.map((p) => [p.name, { kind: 'asIs' }]));
  for (const node of graph.nodes) {
    if (node.op === 'conv2d') layouts.set(node.weight, { kind: 'conv', groups: node.groups });
    if (node.op === 'linear') layouts.set(node.weight, { kind: 'linear' });
  }
  return layouts;
}

/** PyTorch conv [out, in/g, kh, kw] → TF [kh, kw, in, out] (g = 1) or the depthwise form [kh, kw, in, out/g]. */
function toTfLayout(t: tf.Tensor, layout: Layout): tf.Tensor {
  switch (layout.kind) {
    case 'asIs':
      return t;
    case 'linear':
      return tf.transpose(t, [1, 0]);
    case 'conv': {
      if (layout.groups === 1) return tf.transpose(t, [2, 3, 1, 0]);
      const [out, inPerGroup, kh, kw] = t.shape;
      const g = layout.groups;
      const split = tf.reshape(t, [g, out / g, inPerGroup, kh, kw]);
      return tf.reshape(tf.transpose(split, [3, 4, 0, 2, 1]), [kh, kw, g * inPerGroup, out / g]);
    }
  }
}

function fromTfLayout(t: tf.Tensor, layout: Layout, torchShape: readonly number[]): tf.Tensor {
  switch (layout.kind) {
    case 'asIs':
      return tf.clone(t);
    case 'linear':
      return tf.transpose(t, [1, 0]);
    case 'conv': {
      if (layout.groups === 1) return tf.transpose(t, [3, 2, 0, 1]);
      const [out, inPerGroup, kh, kw] = torchShape;
      const g = layout.groups;
      const split = tf.reshape(t, [kh, kw, g, inPerGroup, out / g]);
      return tf.reshape(tf.transpose(split, [2, 4, 3, 0, 1]), [...torchShape]);
    }
  }
}

function lastReadsByNode(graph: GraphIR): ValueName[][] {
  const lastRead = new Map<ValueName, number>();
  graph.nodes.forEach((node, index) => node.inputs.forEach((name) => lastRead.set(name, index)));
  const byNode: ValueName[][] = graph.nodes.map(() => []);
  for (const [name, index] of lastRead) byNode[index].push(name);
  return byNode;
}
