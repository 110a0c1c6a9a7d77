// The shared suite every registered architecture runs (smp's BaseModelTester): shapes, names, trainability,
// tensor leaks, weight round trip, and TF.js-vs-ONNX parity on the same seeded random weights.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../../ml/io/onnx-export';
import { architectureNames, createModel, inferShapes, type ArchName, type ModelDefinition } from '../../../ml/models';
import { TfjsGraphModel } from '../../../ml/runtime/tfjs-graph';
import { randomWeights } from './random-weights';

type Case = {
  arch: ArchName;
  options: Record<string, unknown>;
  outputs: string[];
  /** weight and bias tensors that train by default (BN running statistics and unused tensors never do) */
  trainableTensors: number;
  /** the same with the encoder frozen: decoder and heads only */
  trainableWithFrozenEncoder: number;
  /** the least standard deviation of the logits that shows a broken op in the parity test (0.05 unless given) */
  minLogitSpread?: number;
  /** [height, width] of the test images, [64, 128] unless given (smaller for the heaviest models) */
  size?: readonly [number, number];
};

// ResNet34: 36 convs + 36 BNs (2 tensors each) = 108; ResNet50 and SE-ResNeXt50: 53 + 2·53 = 159, plus 16 SE
// modules of two biased 1x1 convs = 64. Decoder counts follow science.md's block lists.
const CASES: Case[] = [
  // 12 decoder-block convs + dec0 + final, each with a bias
  { arch: 'albunet', options: { nf: 8 }, outputs: ['logits'], trainableTensors: 108 + 28, trainableWithFrozenEncoder: 28 },
  // 10 conv+BN decoder units (3 tensors each), segmentation and classification heads (2 each); the encoder's
  // BN affine is frozen by default (72 tensors)
  {
    arch: 'unet34cls',
    options: {},
    outputs: ['logits', 'cls_logit'],
    trainableTensors: 108 - 72 + 30 + 4,
    trainableWithFrozenEncoder: 34,
  },
  // 4 decoder stages + 4 bottlenecks + last upsample + final: 10 biased convs
  { arch: 'resnet50unet', options: {}, outputs: ['logits'], trainableTensors: 159 + 20, trainableWithFrozenEncoder: 20 },
  // as above plus 4 SCSE modules (fc1, fc2 biased; spatial_se.0 without bias: 5 tensors)
  {
    arch: 'scseunet',
    options: {},
    outputs: ['logits'],
    trainableTensors: 223 + 20 + 20,
    trainableWithFrozenEncoder: 40,
  },
  // 10 encoder and 10 decoder conv+BN units (3 tensors each) and the biased segmentation head. Twenty BatchNorms on
  // random running statistics, with no residual path, shrink its logits to sd ≈ 0.05: still 100 times the tolerance.
  {
    arch: 'unet-light',
    options: {},
    outputs: ['logits'],
    trainableTensors: 30 + 30 + 2,
    trainableWithFrozenEncoder: 32,
    minLogitSpread: 0.03,
  },
  // The 2nd place's multi-task U-Net: smp's decoder and heads as unet34cls (34 tensors), encoder BN trained. One
  // case per encoder. SE-ResNeXt101: 104 convs + 104 BNs = 312, plus 33 SE modules (4 tensors) = 444.
  { arch: 'multitask-unet', options: {}, outputs: ['logits', 'cls_logit'], trainableTensors: 223 + 34, trainableWithFrozenEncoder: 34 },
  {
    arch: 'multitask-unet',
    options: { encoder: 'se_resnext101_32x4d' },
    outputs: ['logits', 'cls_logit'],
    trainableTensors: 444 + 34,
    trainableWithFrozenEncoder: 34,
    size: [64, 64],
  },
  // EfficientNet-B3: stem conv+BN (3); 2 blocks without expansion (depthwise 3, SE 4, project 3) and 24 with it (13)
  { arch: 'multitask-unet', options: { encoder: 'efficientnet_b3' }, outputs: ['logits', 'cls_logit'], trainableTensors: 3 + 20 + 312 + 34, trainableWithFrozenEncoder: 34 },
  // EfficientNet-B5 without the classification branch: 3 + 3·10 + 36·13, decoder 30 and segmentation head 2
  {
    arch: 'multitask-unet',
    options: { encoder: 'efficientnet_b5', classifier: false },
    outputs: ['logits'],
    trainableTensors: 3 + 30 + 468 + 32,
    trainableWithFrozenEncoder: 32,
    size: [64, 64],
  },
  // DeepLabV3: ResNet backbone (159 or 312), ASPP 5 branches + projection (6 conv+BN units), classifier.1/2 (3),
  // classifier.4 with a bias (2). Output stride 8 makes them the costliest per pixel: smaller images.
  { arch: 'deeplabv3-resnet50', options: {}, outputs: ['logits'], trainableTensors: 159 + 23, trainableWithFrozenEncoder: 23, size: [32, 64] },
  { arch: 'deeplabv3-resnet101', options: {}, outputs: ['logits'], trainableTensors: 312 + 23, trainableWithFrozenEncoder: 23, size: [32, 32] },
  // The 3rd place's CBAM U-Net: smp's decoder and head (32 tensors) plus CBAM in each of the 5 blocks (fc1, fc2 and
  // the spatial conv, no biases: 15), encoder BN trained. Five CBAM gates (each about 1/4) shrink the logits.
  { arch: 'cbam-unet', options: { encoder: 'resnet34' }, outputs: ['logits'], trainableTensors: 108 + 47, trainableWithFrozenEncoder: 47, minLogitSpread: 0.002 },
  { arch: 'cbam-unet', options: { encoder: 'se_resnext50_32x4d' }, outputs: ['logits'], trainableTensors: 223 + 47, trainableWithFrozenEncoder: 47, minLogitSpread: 0.002, size: [64, 64] },
  // The 5th place's ASPP U-Net: ASPP (6 conv+BN units: 18), smp's decoder and head (32), two biased 1x1 classifiers
  // and the biased fusion Linear (6).
  { arch: 'aspp-unet', options: {}, outputs: ['logits', 'cls_logit'], trainableTensors: 223 + 56, trainableWithFrozenEncoder: 56, size: [64, 64] },
];

const N = 2;
const PYTORCH_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*\.(weight|bias|running_mean|running_var)$/;

beforeAll(async () => {
  await tf.setBackend('wasm');
});

it('covers every registered architecture', () => {
  expect([...new Set(CASES.map((c) => c.arch))].sort()).toEqual(architectureNames().sort());
});

describe.each(CASES)('$arch $options', (c) => {
  const [H, W] = c.size ?? [64, 128];
  let definition: ModelDefinition;
  let weights: Map<string, Float32Array>;
  let model: TfjsGraphModel;
  let image: tf.Tensor4D;

  beforeAll(() => {
    definition = createModel(c.arch, c.options);
    weights = randomWeights(definition.graph, 20_19);
    model = TfjsGraphModel.fromWeights(definition, weights);
    image = tf.randomUniform([N, H, W, 3], 0, 1, 'float32', 7);
  });

  afterAll(() => {
    model.dispose();
    image.dispose();
  });

  it('declares its outputs and input contract in the metadata', () => {
    expect(definition.metadata.arch).toBe(c.arch);
    expect(definition.metadata.outputNames).toEqual(c.outputs);
    expect(definition.graph.outputs.map((o) => o.name)).toEqual(c.outputs);
    expect(['none', 'imagenet']).toContain(definition.metadata.normalization);
  });

  it('keeps the input size at every multiple of its input multiple (shape inference)', () => {
    const m = definition.metadata.inputMultiple;
    const shapes = inferShapes(definition.graph, { batch: 3, height: 3 * m, width: 5 * m });
    const logits = definition.graph.outputs.find((o) => o.name === 'logits')!;
    expect(shapes.get(logits.value)).toEqual([3, 1, 3 * m, 5 * m]);
  });

  it('predicts logits [N, H, W, 1] (and cls_logit [N, 1]) in NHWC', () => {
    const out = model.predict(image);
    expect(Object.keys(out).sort()).toEqual([...c.outputs].sort());
    expect(out.logits.shape).toEqual([N, H, W, 1]);
    if (out.cls_logit) expect(out.cls_logit.shape).toEqual([N, 1]);
    tf.dispose(out);
  });

  it('rejects an image whose size is not a multiple of its input multiple, naming the size to use', () => {
    const m = definition.metadata.inputMultiple;
    const bad = tf.zeros([1, m + m / 2, m, 3]) as tf.Tensor4D;
    expect(() => model.predict(bad)).toThrow(new RegExp(`multiples of ${m}.*resize to ${2 * m}x${m}`));
    bad.dispose();
  });

  it('names every tensor once, PyTorch-style, aliases included', () => {
    const names = definition.graph.params.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of [...names, ...Object.keys(definition.graph.aliases)]) expect(name).toMatch(PYTORCH_NAME);
    for (const alias of Object.keys(definition.graph.aliases)) expect(names).not.toContain(alias);
  });

  it('trains the used weights and biases, and only the decoder and heads with the encoder frozen', () => {
    expect(model.trainableVariables()).toHaveLength(c.trainableTensors);
    model.setTrainingSetup({ freezeEncoder: true });
    expect(model.trainableVariables()).toHaveLength(c.trainableWithFrozenEncoder);
    model.setTrainingSetup({ freezeEncoder: false });
    expect(model.trainableVariables()).toHaveLength(c.trainableTensors);
  });

  it('leaks no tensor over repeated predictions', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(model.predict(image));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('exports the weights it was given, in PyTorch layout', async () => {
    const exported = await model.exportWeights();
    expect([...exported.keys()]).toEqual(definition.graph.params.map((p) => p.name));
    // Byte comparison: vitest's deep equality walks millions of elements one by one.
    const differing = [...weights].filter(([name, values]) => !sameBytes(exported.get(name)!, values)).map(([n]) => n);
    expect(differing).toEqual([]);
  });

  it('agrees with its ONNX export run in onnxruntime within 1e-4 on probabilities', async () => {
    const session = await ort.InferenceSession.create(exportOnnx(definition, weights));
    expect(session.inputNames).toEqual(['image']);
    expect(session.outputNames).toEqual(c.outputs);
    const nchw = tf.tidy(() => tf.transpose(image, [0, 3, 1, 2]));
    const result = await session.run({ image: new ort.Tensor('float32', (await nchw.data()) as Float32Array, [N, 3, H, W]) });
    nchw.dispose();
    const out = model.predict(image);
    const tfLogits = tf.tidy(() => tf.transpose(out.logits, [0, 3, 1, 2]));
    expect(result.logits.dims).toEqual([N, 1, H, W]);
    const reference = await tfLogits.data();
    expectSameProbabilities(result.logits.data as Float32Array, reference as Float32Array);
    // The comparison means something only if the probabilities vary: a broken op would move them.
    expect(standardDeviation(reference as Float32Array)).toBeGreaterThan(c.minLogitSpread ?? 0.05);
    if (out.cls_logit) {
      expect(result.cls_logit.dims).toEqual([N, 1]);
      expectSameProbabilities(result.cls_logit.data as Float32Array, (await out.cls_logit.data()) as Float32Array);
    }
    tf.dispose([out, tfLogits]);
    await session.release();
  });
});

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

function expectSameProbabilities(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(sigmoid(actual[i]) - sigmoid(expected[i])));
  expect(worst).toBeLessThan(1e-4);
}

function standardDeviation(values: Float32Array): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}
