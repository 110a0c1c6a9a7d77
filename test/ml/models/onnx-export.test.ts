// ONNX export details beyond the shared parity suite: BatchNorm emitted unfolded, symbolic input sizes, metadata.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../../ml/io/onnx-export';
import { GraphBuilder } from '../../../ml/models/builder';
import { TfjsGraphModel } from '../../../ml/runtime/tfjs-graph';
import { newOpsModel } from '../train/onnx/grad-fixtures';
import { randomWeights } from './random-weights';
import { tinyModel } from './tiny-model';

const definition = tinyModel();
const weights = randomWeights(definition.graph, 5);

beforeAll(async () => {
  await tf.setBackend('wasm');
});

async function maxLogitDifference(bytes: Uint8Array, height: number, width: number, model = { definition, weights }): Promise<number> {
  const image = tf.randomUniform([1, height, width, 3], 0, 1, 'float32', height + width) as tf.Tensor4D;
  const session = await ort.InferenceSession.create(bytes);
  const nchw = tf.tidy(() => tf.transpose(image, [0, 3, 1, 2]));
  const result = await session.run({ image: new ort.Tensor('float32', (await nchw.data()) as Float32Array, [1, 3, height, width]) });
  const tfjs = TfjsGraphModel.fromWeights(model.definition, model.weights);
  const logits = tf.tidy(() => tf.transpose(tfjs.predict(image).logits, [0, 3, 1, 2]));
  const expected = await logits.data();
  const actual = result.logits.data as Float32Array;
  expect(result.logits.dims).toEqual([1, 1, height, width]);
  tf.dispose([image, nchw, logits]);
  tfjs.dispose();
  await session.release();
  return actual.reduce((worst, v, i) => Math.max(worst, Math.abs(v - expected[i])), 0);
}

describe('exportOnnx', () => {
  it('runs at any input size (symbolic N, H, W) and matches TF.js with BatchNorm folded', async () => {
    const bytes = exportOnnx(definition, weights);
    expect(await maxLogitDifference(bytes, 32, 32)).toBeLessThan(1e-5);
    expect(await maxLogitDifference(bytes, 64, 96)).toBeLessThan(1e-5);
  });

  it('matches TF.js with BatchNormalization nodes emitted as such', async () => {
    // Whole, one node per BatchNorm; in row strips (the default) the tail's BatchNorm once per strip.
    const whole = exportOnnx(definition, weights, { foldBatchNorm: false, rowStrips: 1 });
    const ops = onnxProto.onnx.ModelProto.decode(whole).graph!.node!.map((n) => n.opType);
    expect(ops.filter((op) => op === 'BatchNormalization')).toHaveLength(2);
    expect(await maxLogitDifference(whole, 32, 64)).toBeLessThan(1e-5);
    expect(await maxLogitDifference(exportOnnx(definition, weights, { foldBatchNorm: false }), 32, 64)).toBeLessThan(1e-5);
  });

  it('writes opset 17, PyTorch-named initializers, the resize modes and the model metadata', () => {
    const model = onnxProto.onnx.ModelProto.decode(exportOnnx(definition, weights));
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const graph = model.graph as onnxProto.onnx.GraphProto;
    expect(graph.node.map((n) => n.opType)).not.toContain('BatchNormalization');
    expect(graph.initializer.map((t) => t.name)).toContain('head.weight');
    const resize = graph.node.find((n) => n.opType === 'Resize') as onnxProto.onnx.NodeProto;
    const attr = (name: string) => new TextDecoder().decode(resize.attribute.find((a) => a.name === name)!.s!);
    expect([attr('mode'), attr('coordinate_transformation_mode')]).toEqual(['linear', 'half_pixel']);
    const pool = graph.node.find((n) => n.opType === 'MaxPool') as onnxProto.onnx.NodeProto;
    expect(Number(pool.attribute.find((a) => a.name === 'ceil_mode')!.i)).toBe(1);
    const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ normalization: 'none', input_multiple: '32', outputs: 'logits' });
    expect(graph.input[0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['N', 3, 'H', 'W']);
  });

  it('exports issue 14’s ops (SiLU, GlobalMaxPool, channel ReduceMean/ReduceMax, Expand to the run-time size, a reused conv) matching TF.js at two sizes', async () => {
    const model = { definition: newOpsModel(), weights: randomWeights(newOpsModel().graph, 8) };
    const bytes = exportOnnx(model.definition, model.weights);
    const graph = onnxProto.onnx.ModelProto.decode(bytes).graph as onnxProto.onnx.GraphProto;
    const ops = graph.node.map((n) => n.opType);
    expect(ops).toEqual(expect.arrayContaining(['GlobalMaxPool', 'ReduceMean', 'ReduceMax', 'Expand', 'Sigmoid', 'Mul']));
    // the shared MLP's weights are stored once and read by two Conv nodes
    expect(graph.initializer.filter((t) => t.name === 'decoder.cbam.fc1.weight')).toHaveLength(1);
    expect(graph.node.filter((n) => (n.input ?? []).includes('decoder.cbam.fc1.weight'))).toHaveLength(2);
    expect(await maxLogitDifference(bytes, 16, 16, model)).toBeLessThan(1e-5);
    expect(await maxLogitDifference(bytes, 32, 48, model)).toBeLessThan(1e-5);
  });

  it('runs a SiLU in the full-resolution tail inside the row strips, to the whole graph’s logits', async () => {
    const b = new GraphBuilder();
    const x = b.silu(b.conv2d(b.input('image', 3), 'enc', { out: 4, kernel: 3, stride: 2, pad: 1 }));
    const tail = b.silu(b.conv2d(b.upsample(x, 'bilinear'), 'dec', { out: 4, kernel: 3, pad: 1 }));
    b.output('logits', b.conv2d(tail, 'head', { out: 1, kernel: 1 }), 'map');
    const graph = b.build();
    const model = { definition: { ...definition, graph }, weights: randomWeights(graph, 9) };
    const striped = exportOnnx(model.definition, model.weights, { rowStrips: 3 });
    const ops = onnxProto.onnx.ModelProto.decode(striped).graph!.node!.map((n) => n.opType);
    // one SiLU before the upsampling, one per strip after it
    expect(ops.filter((op) => op === 'Sigmoid')).toHaveLength(1 + 3);
    expect(await maxLogitDifference(striped, 32, 64, model)).toBeLessThan(1e-5);
  });
});
