// Engines in worker threads: the same answers as in-process, model folders loaded in the worker, errors carried
// back, and a main thread that keeps running while a model does.
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine } from '../../../ml/runtime';
import { spawnEngine, type EngineClient } from '../../../main/inference/engine-client';
import { CLS_MODEL, smallEngineModel, writeSmallModel } from '../../fixtures/small-models';

const batchOf = (length: number, seed: number) => Float32Array.from({ length }, (_, i) => ((i * 7919 + seed) % 1000) / 1000);

describe('an engine in a worker', () => {
  const model = smallEngineModel(CLS_MODEL);
  const input = { size: 64, normalisation: 'none' as const };
  let client: EngineClient;
  beforeAll(async () => {
    client = await spawnEngine({ engine: 'onnx', source: { model, input }, threads: 1 });
  });
  afterAll(() => client.dispose());

  it('answers as the same engine in-process, and reports what it loaded', async () => {
    expect(client.loaded).toMatchObject({ arch: 'unet34cls', input, hasClassifier: true });
    expect(client.describe()).toMatchObject({ engine: 'onnx', backend: 'cpu', threads: 1 });
    const local = await loadEngine('onnx', model, { onnx: { threads: 1 } });
    const batch = batchOf(2 * 3 * 64 * 64, 1);
    const expected = await local.predict(batch, 2, 64, 64);
    await local.dispose();
    const sent = batch.slice();
    const output = await client.predict(sent, 2, 64, 64);
    expect(sent.length).toBe(0); // transferred, not copied
    expect(output.logits).toEqual(expected.logits);
    expect(output.clsLogits).toEqual(expected.clsLogits);
  });

  it('carries an engine error back and stays usable', async () => {
    await expect(client.predict(new Float32Array(5), 1, 64, 64)).rejects.toThrow('batch holds 12288 values, got 5');
    // A view into a larger buffer sends only its own values.
    const wide = batchOf(3 * 3 * 64 * 64, 2);
    const view = wide.subarray(3 * 64 * 64, 2 * 3 * 64 * 64);
    const output = await client.predict(view, 1, 64, 64);
    expect(output.logits).toHaveLength(64 * 64);
    expect(wide.length).toBe(3 * 3 * 64 * 64);
  });

  it('keeps the main event loop ticking while the model runs', async () => {
    const [n, size] = [2, 256];
    const batch = batchOf(n * 3 * size * size, 3);
    let ticks = 0;
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const start = performance.now();
    await client.predict(batch, n, size, size);
    const elapsed = performance.now() - start;
    clearInterval(timer);
    expect(elapsed).toBeGreaterThan(100); // long enough that a blocked loop would show
    expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
    expect(longestGap).toBeLessThan(Math.max(60, elapsed / 2));
  });

  it('disposed while a batch runs, answers the batch first and ends its thread without taking the process down', async () => {
    // onnxruntime answers a run from its own threads: a session released, or a thread ended, under a run in flight
    // aborted this whole process ("terminate called after throwing an instance of 'Napi::Error'").
    for (let k = 0; k < 2; k++) {
      const other = await spawnEngine({ engine: 'onnx', source: { model, input }, threads: 1 });
      const running = other.predict(batchOf(2 * 3 * 64 * 64, 10 + k), 2, 64, 64);
      await other.dispose();
      expect((await running).logits).toHaveLength(2 * 64 * 64);
    }
  });

  it('refuses calls after dispose (and disposing twice is harmless)', async () => {
    await client.dispose();
    await client.dispose();
    await expect(client.predict(batchOf(3 * 64 * 64, 0), 1, 64, 64)).rejects.toThrow('disposed');
  });
});

describe('loading a model folder in the worker', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pleura-engine-worker-'));
  // The light U-Net: loading a folder does not depend on the architecture, and it writes and loads in a blink.
  beforeAll(() => writeSmallModel(path.join(dir, 'light'), { arch: 'unet-light', seed: 42 }, 128));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['onnx', 'tfjs'] as const)('runs it on the %s engine with the input the card states', async (engine) => {
    const client = await spawnEngine({ engine, source: { dir: path.join(dir, 'light') } });
    try {
      expect(client.loaded).toMatchObject({ arch: 'unet-light', input: { size: 128, normalisation: 'none' }, hasClassifier: false });
      expect(client.describe().engine).toBe(engine);
      if (engine === 'tfjs') expect(client.describe().backend).toBe('wasm');
      const output = await client.predict(batchOf(3 * 64 * 64, 4), 1, 64, 64);
      expect(output.logits).toHaveLength(64 * 64);
      expect(output.clsLogits).toBeUndefined();
    } finally {
      await client.dispose();
    }
  });

  it('gives the onnx engine only the card and model.onnx, whose sha256 it checks; the weights are for tfjs', async () => {
    const noWeights = path.join(dir, 'no-weights');
    cpSync(path.join(dir, 'light'), noWeights, { recursive: true });
    rmSync(path.join(noWeights, 'weights.bin'));
    const client = await spawnEngine({ engine: 'onnx', source: { dir: noWeights } });
    try {
      expect((await client.predict(batchOf(3 * 64 * 64, 5), 1, 64, 64)).logits).toHaveLength(64 * 64);
    } finally {
      await client.dispose();
    }
    await expect(spawnEngine({ engine: 'tfjs', source: { dir: noWeights } })).rejects.toThrow(`${path.join(noWeights, 'weights.bin')} is missing`);
    appendFileSync(path.join(noWeights, 'model.onnx'), new Uint8Array([0]));
    await expect(spawnEngine({ engine: 'onnx', source: { dir: noWeights } })).rejects.toThrow(`${path.join(noWeights, 'model.onnx')}: sha256 `);
  });

  it('rejects a folder that is not a model, naming the missing file', async () => {
    await expect(spawnEngine({ engine: 'onnx', source: { dir: path.join(dir, 'nothing') } })).rejects.toThrow(/card\.json is missing/);
  });
});
