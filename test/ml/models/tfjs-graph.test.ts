// The TF.js executor's training-side behaviour on a tiny graph: BatchNorm modes, trainability, disposal.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GraphIR, ModelDefinition } from '../../../ml/models';
import { GraphBuilder } from '../../../ml/models/builder';
import { TfjsGraphModel } from '../../../ml/runtime/tfjs-graph';
import { registerWasmTrainingKernels } from '../../../ml/runtime/wasm-training-kernels';
import { newOpsModel } from '../train/onnx/grad-fixtures';
import { relativeError } from '../train/onnx/grad-tfjs';
import { randomWeights } from './random-weights';
import { tinyModel } from './tiny-model';

const definition = tinyModel();
const weights = randomWeights(definition.graph, 3);
let model: TfjsGraphModel | null = null;

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
});

/** A three-channel graph as a definition TfjsGraphModel takes (sizes in multiples of 8). */
function asDefinition(graph: GraphIR): ModelDefinition {
  return {
    graph,
    metadata: { arch: 'albunet', encoder: 'test', normalization: 'none', inputChannels: 3, inputMultiple: 8, outputNames: ['logits'], encoderBatchNorm: 'train', options: {} },
  };
}

async function onBackend<T>(backend: 'cpu' | 'wasm', run: () => Promise<T>): Promise<T> {
  await tf.setBackend(backend);
  try {
    return await run();
  } finally {
    await tf.setBackend('wasm');
  }
}

/** Gradients of Σ out·R (R fixed per output, seeded) for every trainable variable, PyTorch layout, by name. */
async function weightGradients(definition: ModelDefinition, weights: Map<string, Float32Array>, image: tf.Tensor4D): Promise<Map<string, Float32Array>> {
  const gradModel = TfjsGraphModel.fromWeights(definition, weights);
  try {
    const { grads, value } = tf.variableGrads(() => {
      const outputs = gradModel.forward(image, { training: true });
      return tf.addN(Object.values(outputs).map((out, k) => tf.sum(tf.mul(out, tf.randomNormal(out.shape, 0, 1, 'float32', 40 + k))))) as tf.Scalar;
    }, gradModel.trainableVariables());
    const named = [...gradModel.namedVariables()].filter(([, v]) => grads[v.name]);
    for (const [, v] of named) v.assign(grads[v.name]);
    const exported = await gradModel.exportWeights();
    tf.dispose([value, ...Object.values(grads)]);
    return new Map(named.map(([name]) => [name, exported.get(name)!]));
  } finally {
    gradModel.dispose();
  }
}

afterEach(() => {
  model?.dispose();
  model = null;
});

function channelStats(image: tf.Tensor4D): { mean: number[]; unbiasedVar: number[] } {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(image, [0, 1, 2]);
    const n = image.size / image.shape[3];
    return { mean: [...mean.dataSync()], unbiasedVar: [...variance.dataSync()].map((v) => (v * n) / (n - 1)) };
  });
}

describe('TfjsGraphModel', () => {
  it('in training mode normalises with batch statistics and updates running ones as PyTorch (momentum 0.1, unbiased variance)', async () => {
    model = TfjsGraphModel.fromWeights(definition, weights);
    const image = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const convOut = tf.tidy(() => tf.conv2d(image, model!.namedVariables().get('encoder.conv.weight') as tf.Tensor4D, 1, 'same'));
    const { mean, unbiasedVar } = channelStats(convOut);
    const before = await model.exportWeights();
    tf.tidy(() => model!.forward(image, { training: true }));
    const after = await model.exportWeights();
    const rm = before.get('encoder.bn.running_mean')!;
    const rv = before.get('encoder.bn.running_var')!;
    for (let c = 0; c < 8; c++) {
      expect(after.get('encoder.bn.running_mean')![c]).toBeCloseTo(0.9 * rm[c] + 0.1 * mean[c], 4);
      expect(after.get('encoder.bn.running_var')![c]).toBeCloseTo(0.9 * rv[c] + 0.1 * unbiasedVar[c], 4);
    }
    tf.dispose([image, convOut]);
  });

  it('with frozen encoder BatchNorm keeps its statistics and affine fixed, while the decoder BN still trains', async () => {
    model = TfjsGraphModel.fromWeights(definition, weights, { encoderBatchNorm: 'frozen' });
    const trainable = new Set(model.trainableVariables());
    const named = model.namedVariables();
    expect(trainable.has(named.get('encoder.bn.weight')!)).toBe(false);
    expect(trainable.has(named.get('decoder.bn.weight')!)).toBe(true);
    const image = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
    const training = tf.tidy(() => model!.forward(image, { training: true }).logits);
    const after = await model.exportWeights();
    expect(after.get('encoder.bn.running_mean')).toEqual(weights.get('encoder.bn.running_mean'));
    expect(after.get('decoder.bn.running_mean')).not.toEqual(weights.get('decoder.bn.running_mean'));
    // Switching the setup back makes the encoder BN affine trainable again.
    model.setTrainingSetup({ encoderBatchNorm: 'train' });
    expect(model.trainableVariables()).toContain(named.get('encoder.bn.weight'));
    tf.dispose([image, training]);
  });

  it('never trains BatchNorm running statistics', () => {
    model = TfjsGraphModel.fromWeights(definition, weights);
    const trainable = new Set(model.trainableVariables());
    for (const [name, variable] of model.namedVariables()) {
      if (name.includes('running_')) expect(trainable.has(variable), name).toBe(false);
    }
  });

  it('yields gradients for every trainable variable on the CPU backend', async () => {
    await tf.setBackend('cpu');
    try {
      model = TfjsGraphModel.fromWeights(definition, weights);
      const image = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 13) as tf.Tensor4D;
      const { grads } = tf.variableGrads(() => tf.mean(model!.forward(image, { training: true }).logits) as tf.Scalar, model.trainableVariables());
      expect(Object.keys(grads)).toHaveLength(model.trainableVariables().length);
      tf.dispose([image, ...Object.values(grads)]);
      model.dispose();
      model = null;
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('frees every variable on dispose and refuses to run afterwards', () => {
    const baseline = tf.memory().numTensors;
    model = TfjsGraphModel.fromWeights(definition, weights);
    expect(tf.memory().numTensors).toBe(baseline + definition.graph.params.length);
    model.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    const image = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    expect(() => model!.predict(image)).toThrow(/disposed/);
    image.dispose();
  });

  it('rejects weights with a missing or mis-sized tensor, naming it', () => {
    const missing = new Map(weights);
    missing.delete('decoder.conv.bias');
    expect(() => TfjsGraphModel.fromWeights(definition, missing)).toThrow(/lack decoder\.conv\.bias/);
    const wrong = new Map(weights).set('head.weight', new Float32Array(3));
    expect(() => TfjsGraphModel.fromWeights(definition, wrong)).toThrow(/head\.weight: 3 values, expected \[1,8,1,1\]/);
  });

  it('gives a global max pool’s and a channel max’s gradient to the first maximum only, as PyTorch, on wasm and cpu', async () => {
    const b = new GraphBuilder();
    const x = b.input('image', 3);
    b.output('logits', b.globalMaxPool(x), 'map');
    b.output('cmax', b.channelMax(x), 'map');
    const definition = asDefinition(b.build());
    for (const backend of ['wasm', 'cpu'] as const) {
      const dx = await onBackend(backend, async () => {
        model = TfjsGraphModel.fromWeights(definition, new Map());
        // every cell of both channels ties at 1
        const image = tf.ones([1, 8, 8, 3]) as tf.Tensor4D;
        const grad = tf.grad((img: tf.Tensor) => {
          const out = model!.forward(img as tf.Tensor4D, { training: true });
          return tf.add(tf.sum(tf.mul(out.logits, tf.tensor([10, 20, 30], [1, 1, 1, 3]))), tf.sum(tf.mul(out.cmax, tf.range(1, 65).reshape([1, 8, 8, 1]))));
        })(image);
        const values = [...(await grad.data())];
        tf.dispose([image, grad]);
        model.dispose();
        model = null;
        return values;
      });
      // NHWC: cell (0, 0) holds the first of every channel's tied maxima; each cell's channel max goes to channel 0.
      const expected = Array.from({ length: 64 }, (_, cell) => [cell + 1, 0, 0]).flat();
      expected.splice(0, 3, 1 + 10, 20, 30);
      expect(dx, backend).toEqual(expected);
    }
  });

  it('trains dilated convolutions (space-to-batch, which TF.js can differentiate) to the same values as the native dilated conv', async () => {
    const b = new GraphBuilder();
    const x = b.input('image', 3);
    const dilated = b.conv2d(x, 'd2', { out: 4, kernel: 3, pad: 2, dilation: 2 });
    b.output('logits', b.conv2d(b.concat([dilated, b.conv2d(x, 'd4', { out: 4, kernel: 3, pad: 4, dilation: 4, groups: 1 })]), 'd3', { out: 2, kernel: 3, pad: 3, dilation: 3, bias: false }), 'map');
    const definition = asDefinition(b.build());
    model = TfjsGraphModel.fromWeights(definition, randomWeights(definition.graph, 21));
    const image = tf.randomNormal([2, 8, 16, 3], 0, 1, 'float32', 22) as tf.Tensor4D;
    const [trained, native] = tf.tidy(() => [model!.forward(image, { training: true }).logits, model!.predict(image).logits]);
    expect(trained.shape).toEqual([2, 8, 16, 2]);
    const worst = tf.tidy(() => tf.max(tf.abs(tf.sub(trained, native))).dataSync()[0]);
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([image, trained, native]);
  });

  it('refuses to train a convolution with both a stride and a dilation, which TF.js cannot differentiate, naming it', () => {
    const b = new GraphBuilder();
    b.output('logits', b.conv2d(b.input('image', 3), 'strided_dilated', { out: 2, kernel: 3, stride: 2, pad: 2, dilation: 2 }), 'map');
    const definition = asDefinition(b.build());
    model = TfjsGraphModel.fromWeights(definition, randomWeights(definition.graph, 25));
    const image = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    expect(() => tf.tidy(() => model!.forward(image, { training: true }))).toThrow(/cannot train a convolution with both stride 2,2 and dilation 2,2 \(strided_dilated\.weight\)/);
    image.dispose();
  });

  it('trains the issue-14 ops (SiLU, depthwise and dilated convs, a reused conv, max pools, channel pools, expandSpatial) on wasm as on cpu', async () => {
    const definition = newOpsModel();
    const weights = randomWeights(definition.graph, 23);
    const run = () => {
      const image = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 24) as tf.Tensor4D;
      return weightGradients(definition, weights, image).finally(() => image.dispose());
    };
    const wasm = await onBackend('wasm', run);
    const cpu = await onBackend('cpu', run);
    expect(wasm.size).toBe(32);
    expect([...wasm.keys()].sort()).toEqual([...cpu.keys()].sort());
    for (const [name, grad] of cpu) expect(relativeError(wasm.get(name)!, grad), name).toBeLessThan(1e-4);
  });
});
