// The threaded SIMD wasm backend in Node: one thread per core on the main thread and in a worker thread, the same
// numbers as the single-threaded CPU backend, a process that still exits on its own, and the single-threaded
// fallback, reported, where threads cannot start.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnEngine } from '../../../main/inference/engine-client';
import { loadEngine } from '../../../ml/runtime';
import { chooseBackend, defaultBackendChain, describeBackend, type BackendChoice } from '../../../ml/runtime/tfjs-backend';
import { startThreadedBackend } from '../../../ml/runtime/wasm-threads';
import { Rng } from '../../../ml/random';
import { smallEngineModel, type SmallModel } from '../../fixtures/small-models';

const REPO = path.resolve(import.meta.dirname, '../../..');
/** The backend never runs more threads than its 8 pre-started workers. */
const CORES = Math.min(availableParallelism(), 8);
/**
 * The worker's backend is under test, not an architecture: the light U-Net (2 M values) loads in the worker in a
 * fraction of a ResNet34 encoder's time, and random weights still give its logits a spread that a wrong op moves.
 */
const LIGHT_MODEL: SmallModel = { arch: 'unet-light', seed: 41 };
const NATIVE_SKIPPED = [
  { name: 'tfjs-node-gpu', reason: 'package not installed' },
  { name: 'tfjs-node', reason: 'package not installed' },
];

function random(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1), shape);
}

/** Runs `script` (ESM, TypeScript imports allowed) in a fresh Node process from the repository root. */
function runNode(script: string) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

const PRINT_CHOICE = `
const { tfjsBackend, describeBackend } = await import('./ml/runtime/tfjs-backend');
const tf = await import('@tensorflow/tfjs');
const choice = await tfjsBackend();
const sum = await tf.sum(tf.conv2d(tf.ones([1, 16, 16, 4]), tf.ones([3, 3, 4, 2]), 1, 'same')).data();
console.log(JSON.stringify({ choice, text: describeBackend(choice), sum: sum[0] }));`;

describe('the threaded SIMD wasm backend', () => {
  let choice: BackendChoice;
  beforeAll(async () => {
    choice = await chooseBackend(defaultBackendChain.filter((c) => c.name === 'wasm'));
  });

  it('starts on the main thread with one thread per core, and says so', () => {
    expect(choice).toEqual({ candidate: 'wasm', backend: 'wasm', build: 'threaded SIMD', threads: CORES, skipped: [] });
    expect(getThreadsCount()).toBe(CORES);
    expect(tf.getBackend()).toBe('wasm');
    expect(describeBackend(choice)).toBe(`wasm backend, threaded SIMD, ${CORES} thread${CORES === 1 ? '' : 's'}`);
  });

  it.each([
    { x: [2, 33, 31, 16], filter: [3, 3, 16, 24], strides: 1 },
    { x: [1, 64, 64, 8], filter: [5, 5, 8, 16], strides: 2 },
  ])('convolves as the CPU backend does within 1e-4: $x * $filter, stride $strides', async ({ x, filter, strides }) => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const out = tf.tidy(() => tf.conv2d(random(x, 1) as tf.Tensor4D, random(filter, 2) as tf.Tensor4D, strides, 'same'));
      const values = (await out.data()) as Float32Array;
      out.dispose();
      return values;
    };
    const expected = await run('cpu');
    const actual = await run('wasm');
    expect(actual).toHaveLength(expected.length);
    let [worst, scale] = [0, 0];
    for (let i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    expect(worst / scale).toBeLessThan(1e-4);
  });

  it('starts in a worker thread too: the inference worker reports it and answers as the engine in-process', async () => {
    const model = smallEngineModel(LIGHT_MODEL);
    const client = await spawnEngine({ engine: 'tfjs', source: { model, input: { size: 64, normalisation: 'none' } } });
    try {
      expect(client.describe()).toEqual({ engine: 'tfjs', backend: 'wasm', build: 'threaded SIMD', threads: CORES, skipped: NATIVE_SKIPPED });
      const batch = Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => ((i * 7919) % 1000) / 1000);
      await tf.setBackend('wasm');
      const local = await loadEngine('tfjs', model, { tfjs: { backend: choice } });
      const expected = await local.predict(batch, 1, 64, 64);
      await local.dispose();
      const actual = await client.predict(batch.slice(), 1, 64, 64);
      for (let i = 0; i < expected.logits.length; i++) expect(Math.abs(actual.logits[i] - expected.logits[i])).toBeLessThan(1e-4);
    } finally {
      await client.dispose();
    }
  });

  it('refuses a thread count that is not a positive whole number', async () => {
    await expect(startThreadedBackend(0)).rejects.toThrow('needs a whole number of threads, got 0');
  });
});

describe('a process on the threaded backend', () => {
  it('exits by itself when its work is done, without disposing the backend', () => {
    const run = runNode(PRINT_CHOICE);
    expect(run.signal, run.stderr).toBeNull(); // not killed by the timeout: the pool's workers did not hold it
    expect(run.status, run.stderr).toBe(0);
    const { text, sum } = JSON.parse(run.stdout);
    expect(text).toMatch(/^wasm backend, threaded SIMD, \d+ threads?$/);
    expect(sum).toBe(2 * (14 * 14 * 36 + 4 * 14 * 24 + 4 * 16)); // ones: each output sums the 3×3×4 window inside the image
  });

  it('falls back to the single-threaded SIMD module where threads cannot start, and says why', () => {
    const run = runNode(`delete globalThis.SharedArrayBuffer;${PRINT_CHOICE}`);
    expect(run.status, run.stderr).toBe(0);
    const { choice, text, sum } = JSON.parse(run.stdout);
    expect(choice).toEqual({
      candidate: 'wasm',
      backend: 'wasm',
      build: 'SIMD',
      threads: 1,
      skipped: [...NATIVE_SKIPPED, { name: 'wasm threaded SIMD', reason: 'this runtime has no SharedArrayBuffer, which WASM threads need' }],
    });
    expect(text).toBe('wasm backend, SIMD, 1 thread');
    expect(sum).toBe(2 * (14 * 14 * 36 + 4 * 14 * 24 + 4 * 16));
  });
});
