// The onnx and tfjs engines behind one interface: same weights, same probabilities; what they report about the
// runtime they picked; no tensor leaks; clear errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, providerChain, type Engine } from '../../../ml/runtime';
import { CLS_MODEL, NARROW_ALBUNET, smallEngineModel } from '../../fixtures/small-models';

const [N, H, W] = [2, 64, 64];

function randomBatch(n: number, h: number, w: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: n * 3 * h * w }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  });
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function worstProbabilityDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(sigmoid(a[i]) - sigmoid(b[i])));
  return worst;
}

describe.each([CLS_MODEL, NARROW_ALBUNET])('$arch engines', (spec) => {
  const model = smallEngineModel(spec);
  let onnx: Engine;
  let tfjs: Engine;
  beforeAll(async () => {
    onnx = await loadEngine('onnx', model);
    tfjs = await loadEngine('tfjs', model);
  });
  afterAll(async () => {
    await onnx.dispose();
    await tfjs.dispose();
  });

  it('agree within 1e-4 on probabilities for the same weights', async () => {
    const batch = randomBatch(N, H, W, 5);
    const [a, b] = [await onnx.predict(batch, N, H, W), await tfjs.predict(batch, N, H, W)];
    expect(a.logits).toHaveLength(N * H * W);
    expect(worstProbabilityDifference(a.logits, b.logits)).toBeLessThan(1e-4);
    // Only meaningful if the maps vary: a broken op would move them.
    const probabilities = Array.from(a.logits, sigmoid);
    expect(Math.max(...probabilities) - Math.min(...probabilities)).toBeGreaterThan(0.1);
    if (spec.arch === 'unet34cls') {
      expect(a.clsLogits).toHaveLength(N);
      expect(worstProbabilityDifference(a.clsLogits!, b.clsLogits!)).toBeLessThan(1e-4);
    } else {
      expect(a.clsLogits).toBeUndefined();
      expect(b.clsLogits).toBeUndefined();
    }
  });

  it('refuse a batch whose length or size does not fit, naming what would', async () => {
    for (const engine of [onnx, tfjs]) {
      await expect(engine.predict(new Float32Array(10), 1, H, W)).rejects.toThrow(`a [1, 3, ${H}, ${W}] batch holds ${3 * H * W} values, got 10`);
      const m = model.definition.metadata.inputMultiple;
      await expect(engine.predict(new Float32Array(3 * (m + 8) * m), 1, m + 8, m)).rejects.toThrow(`resize to ${2 * m}x${m}`);
    }
  });
});

describe('the onnx engine', () => {
  const model = smallEngineModel(CLS_MODEL);

  it('runs the model file a model folder holds, on every core, reporting the accelerators it passed over', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pleura-onnx-'));
    try {
      const file = path.join(dir, 'model.onnx');
      writeFileSync(file, model.onnx);
      const engine = await loadEngine('onnx', { definition: model.definition, onnx: file });
      const description = engine.describe();
      expect(description).toMatchObject({ engine: 'onnx', backend: 'cpu', threads: availableParallelism() });
      // onnxruntime-node lists CUDA on Linux; this machine has no CUDA libraries, so it is tried and skipped.
      expect(description.skipped.map((s) => s.name)).toEqual(providerChain(process.platform, ['cuda']).slice(0, -1));
      for (const skipped of description.skipped) expect(skipped.reason).not.toBe('');
      const out = await engine.predict(randomBatch(1, H, W, 9), 1, H, W);
      expect(out.logits).toHaveLength(H * W);
      await engine.dispose();
      await expect(engine.predict(randomBatch(1, H, W, 9), 1, H, W)).rejects.toThrow('disposed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports the ONNX graph from the weights when the model has none, and fails clearly with neither', async () => {
    const engine = await loadEngine('onnx', { definition: model.definition, weights: model.weights }, { onnx: { threads: 1 } });
    expect(engine.describe().threads).toBe(1);
    await engine.dispose();
    await expect(loadEngine('onnx', { definition: model.definition })).rejects.toThrow('neither an ONNX graph nor weights');
  });

  it('tries the accelerators onnxruntime-node lists for the platform, CPU last', () => {
    expect(providerChain('linux', ['cpu', 'webgpu', 'cuda', 'tensorrt'])).toEqual(['cuda', 'cpu']);
    expect(providerChain('linux', ['cpu'])).toEqual(['cpu']);
    expect(providerChain('win32', ['cpu', 'dml', 'cuda'])).toEqual(['cuda', 'dml', 'cpu']);
    expect(providerChain('darwin', ['cpu', 'coreml', 'cuda'])).toEqual(['coreml', 'cpu']);
  });
});

describe('the tfjs engine', () => {
  const model = smallEngineModel(CLS_MODEL);

  it('reports the backend it fell back to and why the native ones were skipped', async () => {
    const engine = await loadEngine('tfjs', model);
    const description = engine.describe();
    // Neither tfjs-node package is installed here, so the WASM backend (threaded, a thread per core) runs the model.
    expect(description).toMatchObject({ engine: 'tfjs', backend: 'wasm', build: 'threaded SIMD', threads: Math.min(availableParallelism(), 8) });
    expect(description.skipped).toEqual([
      { name: 'tfjs-node-gpu', reason: 'package not installed' },
      { name: 'tfjs-node', reason: 'package not installed' },
    ]);
    await engine.dispose();
  });

  it('leaks no tensor over 100 predictions', async () => {
    const engine = await loadEngine('tfjs', model);
    const [h, w] = [32, 32];
    const batch = randomBatch(1, h, w, 3);
    await engine.predict(batch, 1, h, w);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await engine.predict(batch, 1, h, w);
    expect(tf.memory().numTensors).toBe(before);
    await engine.dispose();
  });

  it('needs the weights', async () => {
    await expect(loadEngine('tfjs', { definition: model.definition, onnx: model.onnx })).rejects.toThrow("needs the unet34cls model's weights");
  });
});
