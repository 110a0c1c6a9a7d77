// The TF.js executor's training-side behaviour on a tiny graph: BatchNorm modes, trainability, disposal.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TfjsGraphModel } from '../../../ml/runtime/tfjs-graph';
import { randomWeights } from './random-weights';
import { tinyModel } from './tiny-model';

const definition = tinyModel();
const weights = randomWeights(definition.graph, 3);
let model: TfjsGraphModel | null = null;

beforeAll(async () => {
  await tf.setBackend('wasm');
});

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
});
