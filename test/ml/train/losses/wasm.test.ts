// Every loss on the WASM backend: same value and gradients as on the CPU backend (the sort in Lovász included).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend, defaultBackendChain } from '../../../../ml/runtime';
import { everyLoss, expectClose, valueAndGradients } from './support';

const onCpu = new Map<string, ReturnType<typeof valueAndGradients>>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const spec of everyLoss) onCpu.set(JSON.stringify(spec), valueAndGradients(spec));
  const wasm = defaultBackendChain.find((candidate) => candidate.name === 'wasm');
  if (wasm === undefined) throw new Error('the backend chain has no wasm candidate');
  await chooseBackend([wasm]);
});

describe.each(everyLoss.map((spec) => [JSON.stringify(spec), spec] as const))('%s on wasm', (key, spec) => {
  it('matches the CPU backend in value and gradients', () => {
    expect(tf.getBackend()).toBe('wasm');
    const cpu = onCpu.get(key)!;
    const wasm = valueAndGradients(spec);
    expectClose([wasm.value], [cpu.value], 1e-6);
    expectClose(wasm.logits, cpu.logits, 1e-5);
    expectClose(wasm.cls, cpu.cls, 1e-5);
  });
});
