// Rewrites an fp32 ONNX graph into the QDQ form onnxruntime turns into QLinear kernels: each planned tensor is
// followed by QuantizeLinear (uint8), and each of its readers gets a DequantizeLinear of its own; each INT8
// convolution reads its weights through DequantizeLinear (int8 per output channel, axis 0) and its bias through one
// of int32 in the scale s_x·s_w[c]. The graph's inputs and outputs stay as they were.
import onnxProto from 'onnx-proto';
import {
  floatTensor,
  int32Tensor,
  int8Tensor,
  uint8Tensor,
  attribute,
  type IGraphProto,
  type INodeProto,
  type ITensorProto,
} from '../io/onnx-builder';
import type { QdqPlan } from './qdq-plan';
import type { QuantParams } from './ranges';
import { quantizeBias, quantizeWeightsPerChannel } from './weights';

const { onnx } = onnxProto;

/** The rewritten graph; `params` holds the uint8 parameters of each calibration key the plan names. */
export function rewriteQdq(graph: IGraphProto, plan: QdqPlan, params: ReadonlyMap<string, QuantParams>): IGraphProto {
  return new QdqRewriter(graph, plan, params).graph();
}

class QdqRewriter {
  private readonly nodes: INodeProto[] = [];
  private readonly initializers: Map<string, ITensorProto>;
  private readonly weightScales = new Map<string, Float32Array>();

  constructor(
    private readonly source: IGraphProto,
    private readonly plan: QdqPlan,
    private readonly params: ReadonlyMap<string, QuantParams>,
  ) {
    this.initializers = new Map((source.initializer ?? []).map((t) => [t.name!, t]));
    for (const { key } of plan.tensors.values()) if (!params.has(key)) throw new Error(`no quantization parameters for ${key}`);
  }

  graph(): IGraphProto {
    for (const input of this.source.input ?? []) this.quantizeAfter(input.name!);
    for (const node of this.source.node ?? []) {
      if (this.plan.int8Convs.has(node)) this.emitInt8Conv(node);
      else this.emit({ ...node, input: (node.input ?? []).map((v) => this.readerInput(v, node)) });
      for (const out of node.output ?? []) this.quantizeAfter(out);
    }
    const used = new Set(this.nodes.flatMap((n) => n.input ?? []));
    return {
      ...this.source,
      node: this.nodes,
      // The fp32 weights the int8 ones replace are dropped.
      initializer: [...this.initializers.values()].filter((t) => used.has(t.name!)),
    };
  }

  private emitInt8Conv(conv: INodeProto): void {
    const [x, weight, bias] = conv.input!;
    const weightScales = this.quantizedWeight(weight);
    const inputs = [this.readerInput(x, conv), this.dequantize([`${weight}:int8`, `${weight}:scale`, `${weight}:zero_point`], conv, 0)];
    // The plan quantizes every INT8 convolution's input, and the constructor checked each key has its parameters.
    const inputScale = this.params.get(this.plan.tensors.get(x)!.key)!.scale;
    if (bias) inputs.push(this.dequantize(this.quantizedBias(bias, inputScale, weightScales), conv, 0));
    this.emit({ ...conv, input: inputs });
  }

  /** The int8 weight, its scales and zero points as initialisers (once per weight: the strips share it). */
  private quantizedWeight(weight: string): Float32Array {
    const known = this.weightScales.get(weight);
    if (known) return known;
    const tensor = this.initializers.get(weight);
    if (!tensor) throw new Error(`convolution weight ${weight} is not an initialiser`);
    const dims = (tensor.dims ?? []).map(Number);
    const { values, scales } = quantizeWeightsPerChannel(floatsOf(tensor), dims[0]);
    this.add(int8Tensor(`${weight}:int8`, dims, values));
    this.add(floatTensor(`${weight}:scale`, [dims[0]], scales));
    this.add(int8Tensor(`${weight}:zero_point`, [dims[0]], new Int8Array(dims[0])));
    this.weightScales.set(weight, scales);
    return scales;
  }

  /**
   * The int32 bias for an input scale and its scales, as initialisers named after that input scale: the convolutions
   * that read the same bias from inputs of one scale (the strips) share them.
   */
  private quantizedBias(bias: string, inputScale: number, weightScales: Float32Array): [string, string] {
    const [values, scales] = [`${bias}:int32:${inputScale}`, `${bias}:int32_scale:${inputScale}`];
    if (this.initializers.has(values)) return [values, scales];
    const tensor = this.initializers.get(bias);
    if (!tensor) throw new Error(`convolution bias ${bias} is not an initialiser`);
    const quantized = quantizeBias(floatsOf(tensor), inputScale, weightScales);
    this.add(int32Tensor(values, [quantized.values.length], quantized.values));
    this.add(floatTensor(scales, [quantized.scales.length], quantized.scales));
    return [values, scales];
  }

  /** QuantizeLinear after a planned tensor, read by the DequantizeLinear of each of its readers. */
  private quantizeAfter(value: string): void {
    const planned = this.plan.tensors.get(value);
    if (!planned) return;
    const [scale, zeroPoint] = this.paramTensors(planned.key);
    this.emit({ opType: 'QuantizeLinear', input: [value, scale, zeroPoint], output: [`${value}:quantized`] });
  }

  /**
   * What `node` reads for `value`: a DequantizeLinear of its own when the value is quantized (each reader has one,
   * as onnxruntime's fusions want), the uint8 tensor itself for Shape (only the shape is read).
   */
  private readerInput(value: string, node: INodeProto): string {
    const planned = value ? this.plan.tensors.get(value) : undefined;
    if (!planned) return value;
    if (node.opType === 'Shape') return `${value}:quantized`;
    return this.dequantize([`${value}:quantized`, ...this.paramTensors(planned.key)], node, null);
  }

  /** A DequantizeLinear of [value, scale, zero point?] for one reader; `axis` for one scale per channel. */
  private dequantize(inputs: readonly string[], reader: INodeProto, axis: number | null): string {
    const output = `${inputs[0]}:dequantized_for:${reader.name}`;
    this.emit({ opType: 'DequantizeLinear', input: [...inputs], output: [output], attribute: axis === null ? [] : [attribute('axis', axis)] });
    return output;
  }

  /** The scale and zero point initialisers of a calibration key, added on first use. */
  private paramTensors(key: string): [string, string] {
    const [scale, zeroPoint] = [`${key}:scale`, `${key}:zero_point`];
    if (!this.initializers.has(scale)) {
      const p = this.params.get(key)!;
      this.add(floatTensor(scale, [], Float32Array.of(p.scale)));
      this.add(uint8Tensor(zeroPoint, [], Uint8Array.of(p.zeroPoint)));
    }
    return [scale, zeroPoint];
  }

  private emit(node: INodeProto): void {
    this.nodes.push({ ...node, name: node.name ?? `${node.opType}_q${this.nodes.length}` });
  }

  private add(tensor: ITensorProto): void {
    if (this.initializers.has(tensor.name!)) throw new Error(`initialiser ${tensor.name} is defined twice`);
    this.initializers.set(tensor.name!, tensor);
  }
}

function floatsOf(tensor: ITensorProto): Float32Array {
  if (tensor.dataType !== onnx.TensorProto.DataType.FLOAT) throw new Error(`${tensor.name} is not float32`);
  if (tensor.rawData?.length) return new Float32Array(Uint8Array.from(tensor.rawData).buffer);
  return Float32Array.from(tensor.floatData ?? []);
}
