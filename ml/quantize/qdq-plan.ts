// Which convolutions of an exported fp32 ONNX graph run in INT8, and which tensors get a QuantizeLinear →
// DequantizeLinear pair, with the calibrated range each takes. Reads the graph only; qdq-graph.ts rewrites it.
import type { IGraphProto, INodeProto } from '../io/onnx-builder';

/** Why a convolution stays fp32. */
export type Fp32Reason = 'first' | 'logits';

export type QuantizedTensor = {
  /** the calibration key whose range the tensor takes: its own name, a row strip's base, or a passthrough's input's key */
  key: string;
  /** false: its values feed the key's statistics in calibration; true: it copies another tensor's range */
  follows: boolean;
};

export type QdqPlan = {
  int8Convs: ReadonlySet<INodeProto>;
  fp32Convs: ReadonlyMap<INodeProto, Fp32Reason>;
  /** by ONNX value name */
  tensors: ReadonlyMap<string, QuantizedTensor>;
};

/** Ops whose inputs and output are all quantized when they are float: onnxruntime then runs them in uint8. */
const INT8_BETWEEN = new Set(['Add', 'Concat']);
/** Ops that move values without computing new ones: in uint8, their output keeps their input's range. */
const PASSTHROUGH_OPS = new Set(['MaxPool', 'Resize', 'Slice']);
/** Ops between a convolution and a graph output that only move its values (the row strips, DeepLabV3's ×8). */
const LOGITS_CARRIERS = new Set(['Slice', 'Concat', 'Resize']);

/** `X:strip_k`, the k-th row strip of X (onnx-export.ts), shares X's range. */
export function calibrationKey(value: string): string {
  return value.replace(/:strip_\d+$/, '');
}

/**
 * Every convolution but the fp32 ones runs INT8, and so do the operators between them: Add (QLinearAdd: ResNet's
 * residual sums) and Concat (QLinearConcat: the U-Net skips), their inputs and output all quantized; and MaxPool,
 * Resize and the row strips' Slice, whose outputs take their input's range so that onnxruntime can drop the Q/DQ
 * pair around them and run them on the uint8 tensor (it does for MaxPool and Slice, not for a bilinear Resize; fed
 * the uint8 tensor directly, AlbuNet's Resizes took 414 ms at 1024 against 122 in fp32 between the pair).
 * Measured on AlbuNet nf 32 (2 threads, best of 8 interleaved passes at 1024, of 10 at 512): 817 ms at 1024 and 211
 * ms at 512 with the convolutions alone quantized, 831 and 222 with all of these: within this machine's noise. The
 * bundled model agreed with fp32 alike (mean Dice 0.952 both). All of them are kept: fewer fp32 kernels and float
 * copies between the INT8 ones.
 */
export function planQdq(graph: IGraphProto): QdqPlan {
  const nodes = graph.node ?? [];
  const inputs = new Set((graph.input ?? []).map((i) => i.name!));
  const outputs = new Set((graph.output ?? []).map((o) => o.name!));
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name!));
  const float = floatValues(graph);
  const readers = new Map<string, INodeProto[]>();
  for (const node of nodes) for (const input of node.input ?? []) if (input) readers.set(input, [...(readers.get(input) ?? []), node]);

  const fp32Convs = new Map<INodeProto, Fp32Reason>();
  for (const conv of logitsConvs(graph)) fp32Convs.set(conv, 'logits');
  for (const node of nodes) if (node.opType === 'Conv' && inputs.has(node.input![0])) fp32Convs.set(node, 'first');
  const int8Convs = new Set(nodes.filter((n) => n.opType === 'Conv' && !fp32Convs.has(n)));

  const tensors = new Map<string, QuantizedTensor>();
  const quantize = (value: string) => {
    if (!outputs.has(value) && !initializers.has(value) && !tensors.has(value)) tensors.set(value, { key: calibrationKey(value), follows: false });
  };
  /** An int8 op's result: after its ReLU when that is the only reader, so the ReLU fuses into it (zero point 0). */
  const result = (node: INodeProto) => {
    const out = node.output![0];
    const after = readers.get(out) ?? [];
    return after.length === 1 && after[0].opType === 'Relu' && !outputs.has(out) ? after[0].output![0] : out;
  };
  const floatInputs = (node: INodeProto) => (node.input ?? []).filter((v) => v && float.has(v) && !initializers.has(v));

  for (const conv of int8Convs) {
    quantize(conv.input![0]);
    quantize(result(conv));
  }
  for (const node of nodes) {
    if (!INT8_BETWEEN.has(node.opType!) || !float.has(node.output![0]) || outputs.has(result(node))) continue;
    if (floatInputs(node).length !== (node.input ?? []).length) continue;
    for (const input of node.input!) quantize(input);
    quantize(result(node));
  }
  const passthroughs = nodes.filter((n) => PASSTHROUGH_OPS.has(n.opType!) && float.has(n.output![0]));
  // Until nothing changes: quantizing one passthrough's input can be what makes the one before it worth running in
  // uint8 (a strip's Slice, then its Resize), and a chain takes its first input's key throughout.
  for (let changed = true; changed; ) {
    changed = false;
    for (const node of passthroughs) {
      const [input, out] = [node.input![0], node.output![0]];
      if (outputs.has(out) || initializers.has(input) || !(tensors.has(input) || tensors.has(out))) continue;
      quantize(input);
      const key = tensors.get(input)!.key;
      if (tensors.get(out)?.follows && tensors.get(out)?.key === key) continue;
      tensors.set(out, { key, follows: true });
      changed = true;
    }
  }
  return { int8Convs, fp32Convs, tensors };
}

/** The float values of the graph: its inputs, float initialisers, and every node output computed from a float. */
function floatValues(graph: IGraphProto): Set<string> {
  const FLOAT = 1;
  const float = new Set<string>([
    ...(graph.input ?? []).filter((i) => i.type?.tensorType?.elemType === FLOAT).map((i) => i.name!),
    ...(graph.initializer ?? []).filter((t) => t.dataType === FLOAT).map((t) => t.name!),
  ]);
  // Shape is the one op here whose output type is not its first input's.
  for (const node of graph.node ?? []) if (node.opType !== 'Shape' && float.has(node.input![0])) for (const out of node.output!) float.add(out);
  return float;
}

/** Convolutions whose output reaches a graph output through nothing but Slice, Concat and Resize. */
function logitsConvs(graph: IGraphProto): INodeProto[] {
  const producer = new Map((graph.node ?? []).flatMap((n) => n.output!.map((o) => [o, n] as const)));
  const found: INodeProto[] = [];
  const seen = new Set<INodeProto>();
  const pending = (graph.output ?? []).map((o) => producer.get(o.name!)).filter((n) => n !== undefined);
  while (pending.length) {
    const node = pending.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (node.opType === 'Conv') found.push(node);
    else if (LOGITS_CARRIERS.has(node.opType!)) {
      // Slice and Resize carry their first input; Concat all of its inputs.
      const carried = node.opType === 'Concat' ? node.input! : [node.input![0]];
      for (const value of carried) {
        const from = producer.get(value);
        if (from) pending.push(from);
      }
    }
  }
  return found;
}
