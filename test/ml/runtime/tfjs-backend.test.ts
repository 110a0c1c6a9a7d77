// TF.js backend selection: the first of the chain that loads wins, every earlier one is reported with its reason.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { chooseBackend, defaultBackendChain, tfjsBackend, type BackendCandidate } from '../../../ml/runtime';

const failing = (name: string, message: string): BackendCandidate => ({
  name,
  load: async () => {
    throw new Error(`${message}\nstack noise`);
  },
});
const skippedNative = (gpuReason: string, reason: string) => [
  { name: 'tfjs-node-gpu', reason: gpuReason },
  { name: 'tfjs-node', reason },
];
const cpu: BackendCandidate = { name: 'cpu', load: async () => ({ backend: 'cpu', threads: () => 1 }) };

describe('chooseBackend', () => {
  it('takes the first candidate that loads and makes it the TF.js backend, with the earlier ones skipped in order', async () => {
    const choice = await chooseBackend([failing('tfjs-node-gpu', 'libcudart.so.11.0: cannot open'), failing('tfjs-node', 'libtensorflow missing'), cpu]);
    expect(choice).toEqual({ candidate: 'cpu', backend: 'cpu', threads: 1, skipped: skippedNative('libcudart.so.11.0: cannot open', 'libtensorflow missing') });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('skips a candidate whose backend TF.js cannot initialise', async () => {
    const unregistered: BackendCandidate = { name: 'ghost', load: async () => ({ backend: 'no-such-backend', threads: () => 1 }) };
    const choice = await chooseBackend([unregistered, cpu]);
    expect(choice.candidate).toBe('cpu');
    expect(choice.skipped).toHaveLength(1);
    expect(choice.skipped[0].name).toBe('ghost');
    expect(choice.skipped[0].reason).toMatch(/no-such-backend/);
  });

  it('fails naming every reason when nothing loads', async () => {
    await expect(chooseBackend([failing('a', 'first'), failing('b', 'second')])).rejects.toThrow('no TF.js backend could be loaded: a: first; b: second');
  });

  it('with the real chain here: tfjs-node packages absent, so the WASM backend (threaded, a thread per core), chosen once', async () => {
    expect(defaultBackendChain.map((c) => c.name)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
    const choice = await tfjsBackend();
    const threads = Math.min(availableParallelism(), 8);
    expect(choice).toEqual({ candidate: 'wasm', backend: 'wasm', build: 'threaded SIMD', threads, skipped: skippedNative('package not installed', 'package not installed') });
    expect(tf.getBackend()).toBe('wasm');
    expect(await tfjsBackend()).toBe(choice);
  });
});
