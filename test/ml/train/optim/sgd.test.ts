// The TF.js SGD against torch.optim.SGD's rule worked by hand: weight decay added to the gradient, the momentum
// buffer starting as the first gradient, clipping first; and its state continues exactly after export and import.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSgd, type SgdEntry } from '../../../../ml/train/optim';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createSgd (torch.optim.SGD)', () => {
  it('takes torch SGD steps with momentum and weight decay', async () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const sgd = createSgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.5 });
    // step 1: d = g + 0.5·w = [0.5+0.5, 1−1] = [1, 0]; buf = d; w = [1 − 0.1, −2] = [0.9, −2]
    sgd.apply([w], [tf.tensor1d([0.5, 1])]);
    expect(Array.from(await w.data())).toEqual([Math.fround(0.9), -2].map(Math.fround));
    // step 2: d = [0.5 + 0.45, 1 − 1] = [0.95, 0]; buf = 0.9·[1, 0] + d = [1.85, 0]; w = [0.9 − 0.185, −2]
    sgd.apply([w], [tf.tensor1d([0.5, 1])]);
    const [a, b] = await w.data();
    expect(a).toBeCloseTo(0.715, 6);
    expect(b).toBe(-2);
    sgd.dispose();
    w.dispose();
  });

  it('is plain gradient descent without momentum, and clips by the global norm first', async () => {
    const w = tf.variable(tf.tensor1d([0, 0]));
    const sgd = createSgd({ lr: 1, momentum: 0, clipNorm: 1 });
    sgd.apply([w], [tf.tensor1d([3, 4])]);
    const [a, b] = await w.data();
    // norm 5 → scale 1/(5 + 1e-6)
    expect(a).toBeCloseTo(-0.6, 6);
    expect(b).toBeCloseTo(-0.8, 6);
    sgd.dispose();
    w.dispose();
  });

  it('continues exactly from an exported state, and refuses another optimiser\'s', async () => {
    const run = async (split: boolean) => {
      const w = tf.variable(tf.tensor1d([1, 2, 3]));
      let sgd = createSgd({ lr: 0.05, momentum: 0.8 });
      const grads = [tf.tensor1d([1, -1, 2]), tf.tensor1d([0.5, 0.5, -1]), tf.tensor1d([2, 0, 1])];
      for (const [i, g] of grads.entries()) {
        if (split && i === 2) {
          const state = await sgd.exportState(new Map([['w', w]]));
          expect((state.entries.w as SgdEntry).step).toBe(2);
          sgd.dispose();
          sgd = createSgd({ lr: 0.05, momentum: 0.8 });
          sgd.importState(state, new Map([['w', w]]));
        }
        sgd.apply([w], [g]);
      }
      const values = Array.from(await w.data());
      sgd.dispose();
      tf.dispose([w, ...grads]);
      return values;
    };
    expect(await run(true)).toEqual(await run(false));
    const sgd = createSgd({ lr: 0.1, momentum: 0.9 });
    expect(() => sgd.importState({ kind: 'adam', entries: {} }, new Map())).toThrow(/not an SGD optimiser state/);
  });
});
