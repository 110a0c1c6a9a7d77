import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEma } from '../../../ml/train/ema';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const value = (v: tf.Tensor) => Array.from(v.dataSync());
const named = (entries: [string, tf.Variable][]) => new Map<string, tf.Variable>(entries);
const variable = (values: number[]) => tf.tidy(() => tf.variable(tf.tensor1d(values), false));
const set = (v: tf.Variable, values: number[]) => tf.tidy(() => v.assign(tf.tensor1d(values)));

describe('createEma', () => {
  it('averages after each step and swaps the average in and out', () => {
    const w = variable([2, -2]);
    const ema = createEma(named([['w', w]]), 0.5);
    // shadow starts at [2, −2]; w → [4, 0]: 0.5·[2, −2] + 0.5·[4, 0] = [3, −1]; w → [6, 1]: 0.5·[3, −1] + 0.5·[6, 1] = [4.5, 0]
    set(w, [4, 0]);
    ema.update();
    set(w, [6, 1]);
    ema.update();
    ema.apply();
    expect(value(w)).toEqual([4.5, 0]);
    expect(() => ema.update()).toThrow(/restore\(\) first/);
    expect(() => ema.apply()).toThrow(/restore\(\) first/);
    ema.restore();
    expect(value(w)).toEqual([6, 1]);
    expect(() => ema.restore()).toThrow(/not swapped in/);
    // reset: the average starts again from the weights of now.
    ema.reset();
    ema.apply();
    expect(value(w)).toEqual([6, 1]);
    ema.restore();
    ema.dispose();
    w.dispose();
  });

  it('continues identically after an export/import round trip', async () => {
    const a = variable([1, 1]);
    const first = createEma(named([['dec.weight', a]]), 0.9);
    set(a, [2, 3]);
    first.update();
    const state = await first.exportState();
    // 0.9·1 + 0.1·2 = 1.1, 0.9·1 + 0.1·3 = 1.2
    expect(Array.from(state.shadows['dec.weight'])).toEqual([Math.fround(1.1), Math.fround(1.2)]);

    const b = variable([2, 3]);
    const second = createEma(named([['dec.weight', b]]), 0.9);
    second.importState(state);
    for (const [v, ema] of [[a, first], [b, second]] as const) {
      set(v, [5, -5]);
      ema.update();
      ema.apply();
    }
    expect(value(b)).toEqual(value(a));
    first.dispose();
    second.dispose();
    expect(value(a)).toEqual([5, -5]); // dispose restored the trained weights
    tf.dispose([a, b]);
  });

  it('rejects a state that does not fit, naming the variable', () => {
    const w = variable([1, 2]);
    const ema = createEma(named([['w', w]]), 0.9);
    expect(() => ema.importState({ shadows: {} })).toThrow(/lacks 1 variables, e.g. "w"/);
    expect(() => ema.importState({ shadows: { w: new Float32Array(2), x: new Float32Array(1) } })).toThrow(/"x".*no variable/);
    expect(() => ema.importState({ shadows: { w: new Float32Array(3) } })).toThrow(/"w" holds 3 values, the variable 2/);
    expect(() => createEma(named([['w', w]]), 1)).toThrow(/\(0, 1\)/);
    ema.dispose();
    w.dispose();
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const w = variable([1, 2, 3]);
    const ema = createEma(named([['w', w]]), 0.99);
    const during = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      set(w, [i, i, i]);
      ema.update();
      ema.apply();
      ema.restore();
    }
    expect(tf.memory().numTensors).toBe(during);
    ema.dispose();
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
