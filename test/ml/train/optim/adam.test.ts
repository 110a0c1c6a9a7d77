import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdam, type AdamEntry } from '../../../../ml/train/optim';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const values = (v: tf.Tensor) => Array.from(v.dataSync());

describe('createAdam (torch.optim.Adam semantics)', () => {
  it('takes one and then a second step as torch does (bias correction, eps after the square root)', () => {
    const theta = tf.variable(tf.scalar(1));
    const adam = createAdam({ lr: 0.1 });
    // Step 1, g = 0.5: m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 2.5e-4; step size = 0.1/(1−0.9) = 1;
    // denom = sqrt(2.5e-4)/sqrt(1−0.999) + 1e-8 = 0.5 + 1e-8; θ = 1 − 1·0.05/0.50000001 = 0.900000002.
    adam.apply([theta], [tf.scalar(0.5)]);
    expect(theta.dataSync()[0]).toBeCloseTo(0.9, 6);
    // Step 2, g = 0.25: m = 0.05 + (0.25−0.05)·0.1 = 0.07, v = 2.5e-4·0.999 + 0.001·0.0625 = 3.1225e-4;
    // step size = 0.1/(1−0.81) = 0.5263158; denom = sqrt(3.1225e-4)/sqrt(1−0.998001) + 1e-8
    // = 0.0176706/0.0447102 = 0.3952254; θ = 0.9 − 0.5263158·0.07/0.3952254 = 0.8067820.
    adam.apply([theta], [tf.scalar(0.25)]);
    expect(theta.dataSync()[0]).toBeCloseTo(0.806782, 5);
    adam.dispose();
    theta.dispose();
  });

  it('adds weight decay to the gradient before the moments (L2, not AdamW)', () => {
    const decayed = tf.variable(tf.scalar(2));
    const plain = tf.variable(tf.scalar(2));
    const withDecay = createAdam({ lr: 0.1, weightDecay: 0.5 });
    const without = createAdam({ lr: 0.1 });
    // g = 0 + 0.5·2 = 1: m = 0.1, v = 0.001, m̂ = v̂ = 1, so θ = 2 − 0.1·1/(1 + 1e-8) = 1.9.
    withDecay.apply([decayed], [tf.scalar(0)]);
    // Without decay a zero gradient leaves m = v = 0 and θ = 2 − 0.1·0/(0 + 1e-8) = 2.
    without.apply([plain], [tf.scalar(0)]);
    expect(decayed.dataSync()[0]).toBeCloseTo(1.9, 6);
    expect(plain.dataSync()[0]).toBe(2);
    tf.dispose([decayed, plain]);
    withDecay.dispose();
    without.dispose();
  });

  it('clips by the global norm before stepping', () => {
    const clippedTheta = tf.variable(tf.tensor1d([1, 1]));
    const manualTheta = tf.variable(tf.tensor1d([1, 1]));
    const clipped = createAdam({ lr: 0.01, clipNorm: 1 });
    const manual = createAdam({ lr: 0.01 });
    // Step 1 has norm 5 > 1, so it is scaled by 1/(5 + 1e-6); step 2 has norm 0.05 < 1 and passes unchanged.
    // Adam's first step is scale-free, so the second step is where a missing or wrong clip would show.
    const scale = 1 / (5 + 1e-6);
    clipped.apply([clippedTheta], [tf.tensor1d([3, 4])]);
    manual.apply([manualTheta], [tf.tensor1d([3 * scale, 4 * scale])]);
    clipped.apply([clippedTheta], [tf.tensor1d([0.03, 0.04])]);
    manual.apply([manualTheta], [tf.tensor1d([0.03, 0.04])]);
    const got = values(clippedTheta);
    values(manualTheta).forEach((expected, i) => expect(got[i]).toBeCloseTo(expected, 6));
    // Unclipped, step 2's smaller gradient would pull θ less: the two runs must differ.
    const unclippedTheta = tf.variable(tf.tensor1d([1, 1]));
    const unclipped = createAdam({ lr: 0.01 });
    unclipped.apply([unclippedTheta], [tf.tensor1d([3, 4])]);
    unclipped.apply([unclippedTheta], [tf.tensor1d([0.03, 0.04])]);
    expect(Math.abs(values(unclippedTheta)[0] - got[0])).toBeGreaterThan(1e-4);
    tf.dispose([clippedTheta, manualTheta, unclippedTheta]);
    [clipped, manual, unclipped].forEach((a) => a.dispose());
  });

  it('uses the learning rate set between steps', () => {
    const theta = tf.variable(tf.scalar(0));
    const adam = createAdam({ lr: 1 });
    adam.learningRate = 0.25;
    // First step moves by lr·m̂/(sqrt(v̂) + eps) = 0.25·(−1)/(1 + 1e-8).
    adam.apply([theta], [tf.scalar(-3)]);
    expect(adam.learningRate).toBe(0.25);
    expect(theta.dataSync()[0]).toBeCloseTo(0.25, 6);
    expect(() => {
      adam.learningRate = Number.NaN;
    }).toThrow(/learning rate/);
    adam.dispose();
    theta.dispose();
  });

  it('continues identically after an export/import round trip, keyed by stable names', async () => {
    const a = { w: tf.variable(tf.tensor2d([[0.5, -1], [2, 0]])), b: tf.variable(tf.tensor1d([0.1])) };
    const first = createAdam({ lr: 1e-2, weightDecay: 1e-3, clipNorm: 0.5 });
    const gradients = (scale: number) => [tf.tensor2d([[scale, -2 * scale], [0.5, 1]]), tf.tensor1d([-scale])];
    for (const scale of [1, 0.3, 2]) first.apply([a.w, a.b], gradients(scale));
    const names = new Map<string, tf.Variable>([['dec.weight', a.w], ['dec.bias', a.b]]);
    const state = JSON.parse(JSON.stringify(await first.exportState(names), (_, v) => (v instanceof Float32Array ? Array.from(v) : v)));
    expect(state.entries['dec.weight'].step).toBe(3);

    // A fresh process: new variables with the same values, a new optimiser fed the saved state.
    const b = { w: tf.variable(a.w.clone()), b: tf.variable(a.b.clone()) };
    const second = createAdam({ lr: 1e-2, weightDecay: 1e-3, clipNorm: 0.5 });
    const revived = Object.fromEntries(
      Object.entries(state.entries as Record<string, { step: number; shape: number[]; m: number[]; v: number[] }>).map(
        ([name, e]) => [name, { ...e, m: Float32Array.from(e.m), v: Float32Array.from(e.v) }],
      ),
    );
    second.importState({ kind: 'adam', entries: revived }, new Map<string, tf.Variable>([['dec.weight', b.w], ['dec.bias', b.b]]));
    first.apply([a.w, a.b], gradients(0.7));
    second.apply([b.w, b.b], gradients(0.7));
    expect(values(b.w)).toEqual(values(a.w));
    expect(values(b.b)).toEqual(values(a.b));
    tf.dispose([a.w, a.b, b.w, b.b]);
    first.dispose();
    second.dispose();
  });

  it('rejects a state that does not fit the model, naming the variable, and changes nothing', async () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const adam = createAdam({ lr: 0.1 });
    adam.apply([w], [tf.tensor1d([1, 1])]);
    const state = await adam.exportState(new Map([['w', w]]));
    const other = tf.variable(tf.tensor1d([1, 2, 3]));
    expect(() => adam.importState(state, new Map([['x', w]]))).toThrow(/"w".*no variable/);
    expect(() => adam.importState(state, new Map([['w', other]]))).toThrow(/"w" has shape \[2\].*\[3\]/);
    const after = await adam.exportState(new Map([['w', w]]));
    expect((after.entries.w as AdamEntry).m).toEqual((state.entries.w as AdamEntry).m);
    await expect(adam.exportState(new Map())).rejects.toThrow(/no name/);
    tf.dispose([w, other]);
    adam.dispose();
  });

  it('rejects mismatched variables and gradients', () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const adam = createAdam({ lr: 0.1 });
    expect(() => adam.apply([w], [])).toThrow(/1 variables but 0 gradients/);
    expect(() => adam.apply([w], [tf.tensor1d([1, 2, 3])])).toThrow(/shape \[3\].*\[2\]/);
    adam.dispose();
    expect(() => adam.apply([w], [tf.tensor1d([1, 2])])).toThrow(/disposed/);
    w.dispose();
  });

  it('leaks no tensors: steps keep the count flat and dispose frees the moments', () => {
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(tf.randomNormal([3, 3], 0, 1, 'float32', 1)));
    const grad = tf.randomNormal([3, 3], 0, 1, 'float32', 2);
    const adam = createAdam({ lr: 1e-3, weightDecay: 1e-4, clipNorm: 0.1 });
    adam.apply([w], [grad]);
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) adam.apply([w], [grad]);
    expect(tf.memory().numTensors).toBe(afterFirst);
    adam.dispose();
    tf.dispose([w, grad]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
