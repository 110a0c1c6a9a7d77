// LossSpec validation and createLoss: every loss kind gives a finite scalar with finite, correct gradients and no leak.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoss, LossSpec, requiresClsLogit } from '../../../../ml/train/losses';
import {
  BATCH_SHAPE,
  batchCls,
  batchLogits,
  everyLoss,
  expectClose,
  expectNoLeak,
  lossOnBatch,
  numericGradient,
  valueAndGradients,
} from './support';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('LossSpec', () => {
  it('accepts every loss kind and the presets', () => {
    for (const spec of everyLoss) expect(LossSpec.parse(spec)).toEqual(spec);
  });

  it.each([
    [{ kind: 'dice-bce' }, /kind/],
    [{ kind: 'combo', bce: 1, dice: 1 }, /focal/],
    [{ kind: 'combo', bce: -1, dice: 1, focal: 1 }, /bce/],
    [{ kind: 'combo', bce: 0, dice: 0, focal: 0 }, /at least one positive weight/],
    [{ kind: 'bce', weight: 2 }, /weight/],
  ])('createLoss rejects %j naming the problem', (spec, message) => {
    expect(() => createLoss(spec as LossSpec)).toThrow(/invalid loss/);
    expect(() => createLoss(spec as LossSpec)).toThrow(message);
  });

  it('says which losses need the classification head', () => {
    expect(everyLoss.filter(requiresClsLogit).map((s) => s.kind)).toEqual(['fourth-place', 'fifth-place']);
  });
});

describe('createLoss', () => {
  it('rejects a target whose shape differs from the logits', () => {
    const loss = createLoss({ kind: 'bce' });
    expect(() => loss({ logits: tf.zeros([1, 4, 4, 1]) }, tf.zeros([1, 4, 2, 1]))).toThrow(
      "the target mask must have the logits' shape [1,4,4,1] (NHWC), got [1,4,2,1]",
    );
  });

  describe.each(everyLoss.map((spec) => [JSON.stringify(spec), spec] as const))('%s', (_, spec) => {
    it('gives a finite scalar and finite gradients that agree with finite differences', () => {
      const { value, logits, cls } = valueAndGradients(spec);
      expect(Number.isFinite(value)).toBe(true);
      expect([...logits, ...cls].every(Number.isFinite)).toBe(true);
      expect(logits.some((g) => g !== 0)).toBe(true);
      const f = lossOnBatch(spec);
      const clsTensor = () => tf.tensor2d(batchCls, [2, 1]);
      expectClose(logits, numericGradient((x) => f(x, clsTensor()), batchLogits, BATCH_SHAPE, 1e-3), 2e-3);
      if (requiresClsLogit(spec)) {
        const logitsTensor = () => tf.tensor(batchLogits, BATCH_SHAPE);
        // a wide step: the cls term is smooth, and float32 rounding of the 5th-place loss (≈ 800) swamps a narrow one
        expectClose(cls, numericGradient((c) => f(logitsTensor(), c), batchCls, [2, 1], 0.1), 2e-3);
      }
    });

    it('leaves no tensor behind, value or gradients', () => {
      const f = lossOnBatch(spec);
      const logits = tf.tensor(batchLogits, BATCH_SHAPE);
      const cls = tf.tensor2d(batchCls, [2, 1]);
      expectNoLeak(() => {
        f(logits, cls);
        tf.grads(requiresClsLogit(spec) ? f : (x: tf.Tensor) => f(x, cls))(requiresClsLogit(spec) ? [logits, cls] : [logits]);
      });
      logits.dispose();
      cls.dispose();
    });
  });
});
