// The QDQ rewrite of the exported graph: which convolutions run INT8, the tensors and scales it writes, and what
// onnxruntime makes of it (its optimised graph, saved and counted: QLinearConv, QLinearAdd, and no other Conv than
// the fp32 ones).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { IGraphProto, INodeProto, ITensorProto } from '../../../ml/io/onnx-builder';
import { exportOnnx } from '../../../ml/io/onnx-export';
import { createModel, type ArchName } from '../../../ml/models';
import { rewriteQdq } from '../../../ml/quantize/qdq-graph';
import { planQdq, type QdqPlan } from '../../../ml/quantize/qdq-plan';
import type { QuantParams } from '../../../ml/quantize/ranges';
import { quantizeWeightsPerChannel } from '../../../ml/quantize/weights';
import { sessionOptions } from '../../../ml/runtime/onnx-engine';
import { randomWeights } from '../models/random-weights';

const { onnx } = onnxProto;
const work = mkdtempSync(path.join(tmpdir(), 'pleura-qdq-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function exported(arch: ArchName, options: Record<string, unknown> = {}) {
  const definition = createModel(arch, options);
  return onnx.ModelProto.decode(exportOnnx(definition, randomWeights(definition.graph, 7)));
}

/** Made-up parameters: zero point 0 for a ReLU's output (as calibration gives), 128 elsewhere; scales by key. */
function madeUpParams(graph: IGraphProto, plan: QdqPlan): Map<string, QuantParams> {
  const producer = new Map(graph.node!.map((n) => [n.output![0], n.opType!]));
  const keys = new Map([...plan.tensors].filter(([, t]) => !t.follows).map(([name, t]) => [t.key, producer.get(name)]));
  return new Map([...keys].map(([key, op], i) => [key, { scale: Math.fround(0.01 + i / 1000), zeroPoint: op === 'Relu' ? 0 : 128 }]));
}

const floats = (t: ITensorProto) => new Float32Array(Uint8Array.from(t.rawData!).buffer);
const ints = (t: ITensorProto) => {
  const bytes = Uint8Array.from(t.rawData!).buffer;
  return t.dataType === onnx.TensorProto.DataType.INT32 ? new Int32Array(bytes) : new Int8Array(bytes);
};
const counts = (nodes: readonly INodeProto[]) => nodes.reduce<Record<string, number>>((c, n) => ({ ...c, [n.opType!]: (c[n.opType!] ?? 0) + 1 }), {});

describe('planQdq', () => {
  it("keeps the first convolution and the logits' (every row strip of it) in fp32, every other one INT8", () => {
    const model = exported('unet-light');
    const plan = planQdq(model.graph!);
    const convs = model.graph!.node!.filter((n) => n.opType === 'Conv');
    const reasons = [...plan.fp32Convs].map(([n, why]) => `${n.input![1]} ${why}`);
    expect(reasons).toEqual([...Array(4).fill('segmentation_head.0.weight logits'), 'encoder.blocks.0.conv1.1.weight:folded_conv_weight first']);
    expect(plan.int8Convs.size).toBe(convs.length - 5);
    // Each INT8 conv's input is quantized; a graph output never is.
    for (const conv of plan.int8Convs) expect(plan.tensors.has(conv.input![0])).toBe(true);
    expect(plan.tensors.has('logits')).toBe(false);
  });

  it("gives a row strip its base's key, and a MaxPool's, Resize's or Slice's output its input's", () => {
    const { graph } = exported('unet-light');
    const plan = planQdq(graph!);
    const stripped = [...plan.tensors].filter(([name]) => name.includes(':strip_'));
    expect(stripped.length).toBeGreaterThan(0);
    for (const [name, { key, follows }] of stripped) if (!follows) expect(key).toBe(name.replace(/:strip_\d+$/, ''));
    for (const node of graph!.node!.filter((n) => ['MaxPool', 'Resize'].includes(n.opType!))) {
      expect(plan.tensors.get(node.output![0])).toEqual({ key: plan.tensors.get(node.input![0])!.key, follows: true });
    }
    // The first strip of the decoder's last block reads its upsampled rows from a sliced, then resized, strip.
    const slice = graph!.node!.find((n) => n.opType === 'Slice' && n.output![0].endsWith(':strip_0') && plan.tensors.has(n.output![0]))!;
    expect(plan.tensors.get(slice.output![0])!.key).toBe(plan.tensors.get(slice.input![0])!.key);
  });
});

describe('rewriteQdq', () => {
  const model = exported('unet-light');
  const plan = planQdq(model.graph!);
  const params = madeUpParams(model.graph!, plan);
  const graph = rewriteQdq(model.graph!, plan, params);
  const initializer = new Map(graph.initializer!.map((t) => [t.name!, t]));
  const producer = new Map(graph.node!.map((n) => [n.output![0], n]));
  const source = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));

  it('feeds each INT8 conv int8 weights per output channel (axis 0) and an int32 bias in the scale s_x·s_w', () => {
    const int8Convs = graph.node!.filter((n) => n.opType === 'Conv' && producer.get(n.input![1])?.opType === 'DequantizeLinear');
    expect(int8Convs).toHaveLength(plan.int8Convs.size);
    for (const conv of int8Convs) {
      const [x, w, b] = conv.input!.map((v) => producer.get(v)!);
      expect(w.attribute!.find((a) => a.name === 'axis')?.i).toBe(0);
      const weight = w.input![0].replace(/:int8$/, '');
      const expected = quantizeWeightsPerChannel(floats(source.get(weight)!), source.get(weight)!.dims!.map(Number)[0]);
      expect([...ints(initializer.get(w.input![0])!)]).toEqual([...expected.values]);
      expect([...floats(initializer.get(w.input![1])!)]).toEqual([...expected.scales]);
      const inputScale = floats(initializer.get(x.input![1])!)[0];
      const biasScales = floats(initializer.get(b.input![1])!);
      expect([...biasScales]).toEqual([...expected.scales.map((s) => inputScale * s)]);
      const bias = floats(source.get(b.input![0].replace(/:int32:.*$/, ''))!);
      expect([...ints(initializer.get(b.input![0])!)]).toEqual(Array.from(bias, (v, c) => Math.round(v / biasScales[c])));
    }
  });

  it('quantizes each planned tensor once with its key’s scale and zero point; each reader has a DequantizeLinear of its own', () => {
    const quantizers = graph.node!.filter((n) => n.opType === 'QuantizeLinear');
    expect(quantizers.map((q) => q.input![0]).sort()).toEqual([...plan.tensors.keys()].sort());
    for (const q of quantizers) {
      const { key } = plan.tensors.get(q.input![0])!;
      expect(q.input!.slice(1)).toEqual([`${key}:scale`, `${key}:zero_point`]);
      expect(initializer.get(`${key}:zero_point`)!.dataType).toBe(onnx.TensorProto.DataType.UINT8);
      expect(floats(initializer.get(`${key}:scale`)!)[0]).toBe(params.get(key)!.scale);
    }
    const dequantized = graph.node!.filter((n) => n.opType === 'DequantizeLinear').map((n) => n.output![0]);
    const readers = dequantized.map((v) => graph.node!.filter((n) => n.input!.includes(v)).length);
    expect(new Set(readers)).toEqual(new Set([1]));
  });

  it('keeps the graph inputs and outputs, and the fp32 convolutions on their own fp32 weights', () => {
    expect(graph.input).toEqual(model.graph!.input);
    expect(graph.output).toEqual(model.graph!.output);
    for (const conv of plan.fp32Convs.keys()) expect(initializer.get(conv.input![1])!.dataType).toBe(onnx.TensorProto.DataType.FLOAT);
    for (const conv of plan.int8Convs) expect(initializer.has(conv.input![1])).toBe(false);
  });
});

describe('onnxruntime on the QDQ graph', () => {
  async function optimised(arch: ArchName, options: Record<string, unknown> = {}) {
    const model = exported(arch, options);
    const plan = planQdq(model.graph!);
    const graph = rewriteQdq(model.graph!, plan, madeUpParams(model.graph!, plan));
    const file = path.join(work, `${arch}.optimised.onnx`);
    ort.env.logLevel = 'error';
    const bytes = onnx.ModelProto.encode({ ...model, graph }).finish();
    const session = await ort.InferenceSession.create(bytes, { ...sessionOptions('cpu', 2), optimizedModelFilePath: file });
    await session.release();
    return { plan, ops: counts(onnx.ModelProto.decode(readFileSync(file)).graph!.node!) };
  }

  it('turns every INT8 conv of unet-light into QLinearConv, ReLU fused; only the fp32 convs stay Conv', async () => {
    const { plan, ops } = await optimised('unet-light');
    expect(ops.QLinearConv).toBe(plan.int8Convs.size);
    expect(ops.Conv).toBe(plan.fp32Convs.size);
    expect(ops.Relu).toBeUndefined();
    expect(ops.QLinearConcat).toBeGreaterThan(0);
  });

  it("turns AlbuNet's residual sums into QLinearAdd", async () => {
    const { plan, ops } = await optimised('albunet', { nf: 4 });
    expect(ops.QLinearConv).toBe(plan.int8Convs.size);
    expect(ops.Conv).toBe(plan.fp32Convs.size);
    expect(ops.QLinearAdd).toBe(16); // ResNet34: 3 + 4 + 6 + 3 basic blocks
  });
});
