// Writes a GraphIR and its weights as an ONNX model (opset 17) for onnxruntime: NCHW input `image` [N, 3, H, W]
// with symbolic N, H, W; outputs `logits` [N, 1, H, W] and, where the model has one, `cls_logit` [N, 1].
// The full-resolution tail of a U-Net runs in horizontal strips (see onnx-row-strips.ts): an execution strategy for
// memory, not a change to the model; the strips' rows equal the whole map's.
import onnxProto from 'onnx-proto';
import type { BatchNormNode, Conv2dNode, GraphIR, GraphNode, ModelDefinition, ValueName, WeightMap } from '../models';
import { resolveWeights } from '../models';
import {
  attribute,
  floatTensor,
  int64Tensor,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  valueInfo,
  type IAttributeProto,
  type INodeProto,
  type ITensorProto,
} from './onnx-builder';
import { planRowStrips, type StripPlan } from './onnx-row-strips';

const { onnx } = onnxProto;

export { ONNX_OPSET };

export type OnnxExportOptions = {
  /**
   * Fold each BatchNorm into the convolution before it (inference-only graph, fewer kernels); otherwise emit
   * BatchNormalization nodes. Default true.
   */
  foldBatchNorm?: boolean;
  producerVersion?: string;
  /**
   * Horizontal strips the full-resolution tail runs in (1: whole). Default 4: AlbuNet at 1024 then peaks at
   * ~0.6 GB less, for ~5% more arithmetic in the tail.
   */
  rowStrips?: number;
};

const DEFAULT_ROW_STRIPS = 4;

export function exportOnnx(definition: ModelDefinition, weights: WeightMap, options: OnnxExportOptions = {}): Uint8Array {
  const { graph, metadata } = definition;
  const tensors = resolveWeights(graph, weights);
  const rowStrips = options.rowStrips ?? DEFAULT_ROW_STRIPS;
  if (!Number.isInteger(rowStrips) || rowStrips < 1) throw new Error(`rowStrips must be a whole number ≥ 1, not ${rowStrips}`);
  const emitter = new OnnxEmitter(graph, tensors, options.foldBatchNorm ?? true, rowStrips);
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'pleura',
    producerVersion: options.producerVersion ?? '0',
    graph: emitter.graph(metadata.arch),
    metadataProps: Object.entries({
      arch: metadata.arch,
      encoder: metadata.encoder,
      normalization: metadata.normalization,
      input_multiple: String(metadata.inputMultiple),
      outputs: metadata.outputNames.join(','),
      options: JSON.stringify(metadata.options),
    }).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

class OnnxEmitter {
  private readonly nodes: INodeProto[] = [];
  private readonly initializers = new Map<string, ITensorProto>();
  private readonly consumers = new Map<ValueName, GraphNode[]>();
  private readonly outputNames: Map<ValueName, string>;
  /** the current strip's names for the values it computes; empty outside the strips */
  private stripNames = new Map<ValueName, string>();

  constructor(
    private readonly ir: GraphIR,
    private readonly tensors: ReadonlyMap<string, Float32Array>,
    private readonly foldBatchNorm: boolean,
    private readonly rowStrips: number,
  ) {
    for (const node of ir.nodes) {
      for (const input of node.inputs) this.consumers.set(input, [...(this.consumers.get(input) ?? []), node]);
    }
    this.outputNames = new Map(ir.outputs.map((o) => [o.value, o.name]));
  }

  graph(name: string): onnxProto.onnx.IGraphProto {
    const strips = this.rowStrips > 1 ? planRowStrips(this.ir) : null;
    const tail = new Set(strips?.nodes);
    this.emitNodes(this.ir.nodes.filter((n) => !tail.has(n)));
    if (strips) this.emitStrips(strips);
    return {
      name,
      node: this.nodes,
      initializer: [...this.initializers.values()],
      input: this.ir.inputs.map((i) => valueInfo(i.name, ['N', i.channels, 'H', 'W'])),
      output: this.ir.outputs.map((o) => {
        const c = outputChannels(this.ir, o.value);
        return valueInfo(o.name, o.kind === 'map' ? ['N', c, 'H', 'W'] : ['N', c]);
      }),
    };
  }

  private emitNodes(nodes: readonly GraphNode[]): void {
    const folded = new Set<GraphNode>();
    for (const node of nodes) {
      if (folded.has(node)) continue;
      const bn = node.op === 'conv2d' ? this.foldableBatchNorm(node) : null;
      if (node.op === 'conv2d' && bn) {
        this.emitFoldedConv(node, bn);
        folded.add(bn);
      } else {
        this.emit(node);
      }
    }
  }

  /**
   * The tail once per strip of the cut's rows [b_k − halo, b_k+1 + halo), b_k = ⌊k·rows/K⌋, then each strip's rows
   * that stand for [b_k, b_k+1) concatenated. Row counts are computed in the graph, so H stays symbolic. The tail
   * comes last in the node list: nothing outside it reads its values.
   */
  private emitStrips(plan: StripPlan): void {
    const count = this.rowStrips;
    const cut = this.name(plan.cut);
    const output = plan.nodes[plan.nodes.length - 1].output;
    const rows = `${cut}:rows`;
    this.add('Shape', [cut], rows, [attribute('start', 2), attribute('end', 3)]);
    const zero = this.int64Constant('const:i64_0', 0);
    const halo = this.int64Constant(`const:i64_${plan.haloRows}`, plan.haloRows);
    const scale = this.int64Constant(`const:i64_${plan.scale}`, plan.scale);
    const binary = (op: string, a: string, b: string, out: string) => (this.add(op, [a, b], out), out);
    const bounds = Array.from({ length: count + 1 }, (_, k) => {
      if (k === 0) return zero;
      if (k === count) return rows;
      const times = binary('Mul', rows, this.int64Constant(`const:i64_${k}`, k), `${cut}:rows_times_${k}`);
      return binary('Div', times, this.int64Constant(`const:i64_${count}`, count), `${cut}:bound_${k}_of_${count}`);
    });
    const axis = this.int64Constant('const:i64_2', 2);
    const kept: string[] = [];
    for (let k = 0; k < count; k++) {
      const strip = `:strip_${k}`;
      const from = k === 0 ? zero : binary('Max', binary('Sub', bounds[k], halo, `${cut}${strip}:before_halo`), zero, `${cut}${strip}:from`);
      // Slice clamps an end past the last row (on a small map, bound + halo can be), so no Min is needed.
      const to = k === count - 1 ? rows : binary('Add', bounds[k + 1], halo, `${cut}${strip}:to`);
      this.stripNames = new Map([[plan.cut, `${cut}${strip}`], ...plan.nodes.map((n) => [n.output, `${n.output}${strip}`] as const)]);
      this.add('Slice', [cut, from, to, axis], `${cut}${strip}`);
      this.emitNodes(plan.nodes);
      const keepFrom = binary('Mul', binary('Sub', bounds[k], from, `${output}${strip}:halo_rows`), scale, `${output}${strip}:keep_from`);
      const keepRows = binary('Mul', binary('Sub', bounds[k + 1], bounds[k], `${output}${strip}:core_rows`), scale, `${output}${strip}:keep_rows`);
      const keepTo = binary('Add', keepFrom, keepRows, `${output}${strip}:keep_to`);
      this.add('Slice', [this.name(output), keepFrom, keepTo, axis], `${output}${strip}:kept`);
      kept.push(`${output}${strip}:kept`);
      this.stripNames = new Map();
    }
    this.add('Concat', kept, this.name(output), [attribute('axis', 2)]);
  }

  /** A BatchNorm reading this conv's output, when it is that output's only reader and folding is on. */
  private foldableBatchNorm(node: Conv2dNode): BatchNormNode | null {
    if (!this.foldBatchNorm || this.outputNames.has(node.output)) return null;
    const readers = this.consumers.get(node.output) ?? [];
    return readers.length === 1 && readers[0].op === 'batchNorm' ? readers[0] : null;
  }

  private emit(node: GraphNode): void {
    const inputs = node.inputs.map((v) => this.name(v));
    const output = this.name(node.output);
    switch (node.op) {
      case 'conv2d':
        this.weight(node.weight);
        if (node.bias) this.weight(node.bias);
        return this.add('Conv', [...inputs, node.weight, ...(node.bias ? [node.bias] : [])], output, convAttributes(node));
      case 'batchNorm':
        for (const p of [node.weight, node.bias, node.runningMean, node.runningVar]) this.weight(p);
        return this.add('BatchNormalization', [...inputs, node.weight, node.bias, node.runningMean, node.runningVar], output, [
          attribute('epsilon', { float: node.eps }),
          attribute('momentum', { float: 1 - node.momentum }),
        ]);
      case 'maxPool':
        return this.add('MaxPool', inputs, output, [
          attribute('kernel_shape', node.kernel),
          attribute('strides', node.stride),
          attribute('pads', node.pad),
          attribute('ceil_mode', node.ceilMode ? 1 : 0),
        ]);
      case 'upsample': {
        const scales = this.constant(`const:scales_${node.scale}`, [4], [1, 1, node.scale, node.scale]);
        // PyTorch nearest = floor(dst / scale) ('asymmetric' + 'floor'); bilinear with align_corners false =
        // 'half_pixel' (ORT clamps the source coordinate at the border exactly as PyTorch does).
        const attributes =
          node.mode === 'nearest'
            ? [attribute('mode', 'nearest'), attribute('coordinate_transformation_mode', 'asymmetric'), attribute('nearest_mode', 'floor')]
            : [attribute('mode', 'linear'), attribute('coordinate_transformation_mode', 'half_pixel')];
        return this.add('Resize', [inputs[0], '', scales], output, attributes);
      }
      case 'linear':
        this.weight(node.weight);
        if (node.bias) this.weight(node.bias);
        return this.add('Gemm', [...inputs, node.weight, ...(node.bias ? [node.bias] : [])], output, [attribute('transB', 1)]);
      case 'relu':
        return this.add('Relu', inputs, output);
      case 'sigmoid':
        return this.add('Sigmoid', inputs, output);
      case 'silu':
        // Opset 17 has no Swish: x·Sigmoid(x), which onnxruntime fuses back into one kernel.
        this.add('Sigmoid', inputs, `${output}:sigmoid`);
        return this.add('Mul', [inputs[0], `${output}:sigmoid`], output);
      case 'add':
        return this.add('Add', inputs, output);
      case 'mul':
        return this.add('Mul', inputs, output);
      case 'max':
        return this.add('Max', inputs, output);
      case 'concat':
        return this.add('Concat', inputs, output, [attribute('axis', 1)]);
      case 'globalAvgPool':
        return this.add('GlobalAveragePool', inputs, output);
      case 'globalMaxPool':
        return this.add('GlobalMaxPool', inputs, output);
      case 'channelMean':
        return this.add('ReduceMean', inputs, output, [attribute('axes', [1]), attribute('keepdims', 1)]);
      case 'channelMax':
        return this.add('ReduceMax', inputs, output, [attribute('axes', [1]), attribute('keepdims', 1)]);
      case 'expandSpatial': {
        // [N, C] of v and [H, W] of `like`, read at run time: H and W stay symbolic.
        const [v, like] = inputs;
        this.add('Shape', [v], `${output}:nc`, [attribute('start', 0), attribute('end', 2)]);
        this.add('Shape', [like], `${output}:hw`, [attribute('start', 2), attribute('end', 4)]);
        this.add('Concat', [`${output}:nc`, `${output}:hw`], `${output}:shape`, [attribute('axis', 0)]);
        return this.add('Expand', [v, `${output}:shape`], output);
      }
      case 'flatten':
        return this.add('Flatten', inputs, output, [attribute('axis', 1)]);
    }
  }

  /** conv → BN as one conv: w' = w·γ/√(σ²+ε) per output channel, b' = (b − μ)·γ/√(σ²+ε) + β. Computed in float64. */
  private emitFoldedConv(conv: Conv2dNode, bn: BatchNormNode): void {
    // The folded tensors take the BN's names so no initializer name claims a value it does not hold.
    const weightName = `${bn.weight}:folded_conv_weight`;
    const biasName = `${bn.bias}:folded_conv_bias`;
    // Each strip of the tail emits its convolutions again; fold once.
    if (!this.initializers.has(weightName)) {
      const w = this.tensors.get(conv.weight)!;
      const b = conv.bias ? this.tensors.get(conv.bias)! : null;
      const [gamma, beta, mean, variance] = [bn.weight, bn.bias, bn.runningMean, bn.runningVar].map((n) => this.tensors.get(n)!);
      const perChannel = w.length / conv.outChannels;
      const foldedW = new Float32Array(w.length);
      const foldedB = new Float32Array(conv.outChannels);
      for (let c = 0; c < conv.outChannels; c++) {
        const scale = gamma[c] / Math.sqrt(variance[c] + bn.eps);
        for (let i = c * perChannel; i < (c + 1) * perChannel; i++) foldedW[i] = w[i] * scale;
        foldedB[c] = ((b ? b[c] : 0) - mean[c]) * scale + beta[c];
      }
      this.initializers.set(weightName, floatTensor(weightName, this.shapeOf(conv.weight), foldedW));
      this.initializers.set(biasName, floatTensor(biasName, [conv.outChannels], foldedB));
    }
    this.add('Conv', [this.name(conv.inputs[0]), weightName, biasName], this.name(bn.output), convAttributes(conv));
  }

  private add(opType: string, input: string[], output: string, attribute: IAttributeProto[] = []): void {
    this.nodes.push({ opType, input, output: [output], attribute, name: `${opType}_${this.nodes.length}` });
  }

  private name(value: ValueName): string {
    return this.stripNames.get(value) ?? this.outputNames.get(value) ?? value;
  }

  private weight(name: string): void {
    if (!this.initializers.has(name)) this.initializers.set(name, floatTensor(name, this.shapeOf(name), this.tensors.get(name)!));
  }

  private constant(name: string, dims: number[], values: number[]): string {
    if (!this.initializers.has(name)) this.initializers.set(name, floatTensor(name, dims, Float32Array.from(values)));
    return name;
  }

  /** A one-element int64 tensor, the form Slice's bounds and the row arithmetic take. */
  private int64Constant(name: string, value: number): string {
    if (!this.initializers.has(name)) {
      this.initializers.set(name, int64Tensor(name, [1], [value]));
    }
    return name;
  }

  private shapeOf(param: string): number[] {
    return [...this.ir.params.find((p) => p.name === param)!.shape];
  }
}

/** A conv's or linear's channels, read through an upsampling after it (DeepLabV3's logits, upsampled ×8). */
function outputChannels(ir: GraphIR, value: ValueName): number {
  const node = ir.nodes.find((n) => n.output === value)!;
  switch (node.op) {
    case 'conv2d':
      return node.outChannels;
    case 'linear':
      return node.outFeatures;
    case 'upsample':
      return outputChannels(ir, node.inputs[0]);
    default:
      throw new Error(`graph outputs are read from conv or linear layers, not ${node.op}`);
  }
}

function convAttributes(node: Conv2dNode): IAttributeProto[] {
  return [
    attribute('kernel_shape', node.kernel),
    attribute('strides', node.stride),
    attribute('pads', node.pad),
    attribute('dilations', node.dilation),
    attribute('group', node.groups),
  ];
}
