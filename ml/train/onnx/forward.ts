// The model's forward pass in training mode as ONNX nodes: the IR's ops with the inference exporter's semantics
// (ml/io/onnx-export.ts) but no BatchNorm folding and no row strips; BatchNorm on batch statistics with PyTorch's
// running-statistics update; and, per node, what its gradient will need (batch statistics, x̂, pool indices).
import type { Attributes, OnnxGraphBuilder } from '../../io/onnx-builder';
import { nodeParamNames, type BatchNormNode, type Conv2dNode, type GraphIR, type GraphNode, type ParamSpec, type ValueName } from '../../models/ir';
import { inferShapes, type Shape } from '../../models/shapes';
import type { ForwardResult, TrainingSetup } from './contract';
import { channelAffine, NHW_AXES } from './gradients/helpers';

export type ForwardShapes = { batch: number; height: number; width: number };

/** What one node's emission produced: its output and what its gradient needs. */
type Emitted = { output: string; saved?: Record<string, string>; runningStats?: [string, string][] };

export function emitTrainingForward(b: OnnxGraphBuilder, graph: GraphIR, shapes: ForwardShapes, setup: TrainingSetup): ForwardResult {
  if (graph.inputs.length !== 1) throw new Error(`the training step feeds one image; the graph has ${graph.inputs.length} inputs`);
  const valueShapes = inferShapes(graph, shapes);
  const specs = new Map<string, ParamSpec>(graph.params.map((p) => [p.name, p]));
  const input = graph.inputs[0];
  const values = new Map<ValueName, string>([[input.name, b.input('image', [shapes.batch, input.channels, shapes.height, shapes.width])]]);
  const declared = new Set<string>();
  const saved: Record<string, string>[] = [];
  const runningStats = new Map<string, string>();

  for (const node of graph.nodes) {
    for (const name of nodeParamNames(node)) {
      if (declared.has(name)) continue;
      declared.add(name);
      b.input(name, [...specs.get(name)!.shape]);
    }
    const emitted = emitNode(b, node, {
      inputs: node.inputs.map((v) => values.get(v)!),
      inputShape: valueShapes.get(node.inputs[0])!,
      outputShape: valueShapes.get(node.output)!,
      name: b.fresh(node.output),
      frozen: node.op === 'batchNorm' && setup.frozenBatchNorm.has(node.weight),
    });
    values.set(node.output, emitted.output);
    saved.push(emitted.saved ?? {});
    for (const [buffer, value] of emitted.runningStats ?? []) runningStats.set(buffer, value);
  }
  return {
    values,
    outputs: new Map(graph.outputs.map((o) => [o.name, values.get(o.value)!])),
    runningStats,
    saved,
    shapes: valueShapes,
  };
}

type NodeContext = {
  /** ONNX names of the node's inputs */
  inputs: readonly string[];
  inputShape: Shape;
  outputShape: Shape;
  /** the ONNX name its output gets */
  name: string;
  /** a BatchNorm that normalises with its running statistics */
  frozen: boolean;
};

function emitNode(b: OnnxGraphBuilder, node: GraphNode, ctx: NodeContext): Emitted {
  const { inputs, name } = ctx;
  const one = (opType: string, attributes: Attributes = {}): Emitted => ({ output: b.op(opType, inputs, attributes, { name }) });
  switch (node.op) {
    case 'conv2d':
      return {
        output: b.op('Conv', [inputs[0], node.weight, ...(node.bias ? [node.bias] : [])], conv2dAttributes(node), { name }),
      };
    case 'batchNorm':
      return ctx.frozen ? evalBatchNorm(b, node, ctx) : trainBatchNorm(b, node, ctx);
    case 'maxPool': {
      // The second output holds each maximum's flat NCHW index; ORT, like PyTorch, keeps the first of tied maxima.
      const [output, indices] = b.opMulti(
        'MaxPool',
        inputs,
        2,
        { kernel_shape: node.kernel, strides: node.stride, pads: node.pad, ceil_mode: node.ceilMode ? 1 : 0 },
        { names: [name, b.fresh(`${name}:indices`)] },
      );
      return { output, saved: { indices } };
    }
    case 'upsample': {
      // PyTorch nearest = floor(dst / scale) ('asymmetric' + 'floor'); bilinear with align_corners false =
      // 'half_pixel', which clamps the source coordinate at the border as PyTorch does.
      const attributes: Attributes =
        node.mode === 'nearest'
          ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
          : { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
      const scales = b.floats([1, 1, node.scale, node.scale]);
      return { output: b.op('Resize', [inputs[0], '', scales], attributes, { name }) };
    }
    case 'linear':
      return { output: b.op('Gemm', [inputs[0], node.weight, ...(node.bias ? [node.bias] : [])], { transB: 1 }, { name }) };
    case 'relu':
      return one('Relu');
    case 'sigmoid':
      return one('Sigmoid');
    case 'silu': {
      const sigmoid = b.op('Sigmoid', inputs);
      return { output: b.op('Mul', [inputs[0], sigmoid], {}, { name }), saved: { sigmoid } };
    }
    case 'add':
      return one('Add');
    case 'mul':
      return one('Mul');
    case 'max':
      return one('Max');
    case 'concat':
      return one('Concat', { axis: 1 });
    case 'globalAvgPool':
      return one('GlobalAveragePool');
    case 'globalMaxPool': {
      // A MaxPool over the whole (static) map, for its indices: the first maximum, as PyTorch's adaptive_max_pool2d.
      const [output, indices] = b.opMulti('MaxPool', inputs, 2, { kernel_shape: ctx.inputShape.slice(2) }, { names: [name, b.fresh(`${name}:indices`)] });
      return { output, saved: { indices } };
    }
    case 'channelMean':
      return one('ReduceMean', { axes: [1], keepdims: 1 });
    case 'channelMax':
      return one('ReduceMax', { axes: [1], keepdims: 1 });
    case 'expandSpatial':
      return { output: b.op('Expand', [inputs[0], b.int64s([...ctx.outputShape])], {}, { name }) };
    case 'flatten':
      return one('Flatten', { axis: 1 });
  }
}

function conv2dAttributes(node: Conv2dNode) {
  return { kernel_shape: node.kernel, strides: node.stride, pads: node.pad, dilations: node.dilation, group: node.groups };
}

/** Eval-mode BatchNorm: running statistics, left unchanged. */
function evalBatchNorm(b: OnnxGraphBuilder, node: BatchNormNode, ctx: NodeContext): Emitted {
  const output = b.op(
    'BatchNormalization',
    [ctx.inputs[0], node.weight, node.bias, node.runningMean, node.runningVar],
    { epsilon: { float: node.eps } },
    { name: ctx.name },
  );
  return { output };
}

/**
 * Train-mode BatchNorm as PyTorch's: normalised with the batch mean and biased variance over N, H, W; the running
 * statistics move by `momentum` towards the batch mean and the unbiased variance (n / (n − 1)).
 */
function trainBatchNorm(b: OnnxGraphBuilder, node: BatchNormNode, ctx: NodeContext): Emitted {
  const [x] = ctx.inputs;
  const [batch, channels, height, width] = ctx.inputShape;
  const count = batch * height * width;
  // PyTorch refuses the same: one value per channel has no variance.
  if (count < 2) throw new Error(`BatchNorm ${node.weight} in training mode needs more than one value per channel, got input [${ctx.inputShape}]`);
  const mean = b.op('ReduceMean', [x], { axes: NHW_AXES, keepdims: 1 });
  const centred = b.op('Sub', [x, mean]);
  const variance = b.op('Div', [b.op('ReduceSumSquare', [centred], { axes: NHW_AXES, keepdims: 1 }), b.floats([count])]);
  const invStd = b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [variance, b.floats([node.eps])])])]);
  const xHat = b.op('Mul', [centred, invStd]);
  const output = channelAffine(b, xHat, node.weight, node.bias, channels, ctx.name);

  const m = node.momentum;
  const toVector = (v: string) => b.op('Reshape', [v, b.int64s([channels])]);
  const blend = (running: string, batchValue: string, weight: number) =>
    b.op('Add', [b.op('Mul', [running, b.floats([1 - m])]), b.op('Mul', [toVector(batchValue), b.floats([weight])])]);
  return {
    output,
    saved: { xHat, invStd },
    runningStats: [
      [node.runningMean, blend(node.runningMean, mean, m)],
      [node.runningVar, blend(node.runningVar, variance, (m * count) / (count - 1))],
    ],
  };
}
