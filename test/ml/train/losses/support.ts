// Shared pieces of the loss tests: the hand-worked batch, central finite differences and a leak check.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { comboPresets, createLoss, requiresClsLogit, type LossSpec } from '../../../../ml/train/losses';

const LN3 = Math.log(3);

/**
 * One 1x2x2x1 image whose per-pixel values are easy by hand: logits 0, ln 3, −ln 3, 2 give p = 1/2, 3/4, 1/4,
 * σ(2) = 0.8807971, against the target 1, 1, 0, 0.
 */
export const handLogits = [0, LN3, -LN3, 2];
export const handTarget = [1, 1, 0, 0];
export const oneImage = (values: number[]) => tf.tensor4d(values, [1, 2, 2, 1]);

/** The hand-worked image plus a second, empty one whose logits are all 0 (p = 1/2): 2x2x2x1. */
export const twoImages = (first: number[], second: number[]) => tf.tensor4d([...first, ...second], [2, 2, 2, 1]);

/** Scalar value of a loss computed inside tf.tidy (nothing left behind). */
export function valueOf(loss: () => tf.Scalar): number {
  return tf.tidy(loss).arraySync() as number;
}

/** The gradient of f at x by tf.grad, as plain numbers. */
export function tapeGradient(f: (x: tf.Tensor) => tf.Scalar, x: number[], shape: number[]): number[] {
  return tf.tidy(() => Array.from(tf.grad(f)(tf.tensor(x, shape)).dataSync()));
}

/** Central differences (f(x + h·e_i) − f(x − h·e_i)) / 2h, one coordinate at a time. */
export function numericGradient(f: (x: tf.Tensor) => tf.Scalar, x: number[], shape: number[], h = 1e-2): number[] {
  const at = (values: number[]) => valueOf(() => f(tf.tensor(values, shape)));
  return x.map((_, i) => {
    const shifted = (delta: number) => x.map((v, j) => (j === i ? v + delta : v));
    return (at(shifted(h)) - at(shifted(-h))) / (2 * h);
  });
}

/** Every entry within `tolerance` of the expected one, relative to the largest expected magnitude (at least 1). */
export function expectClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  actual.forEach((value, i) => expect(Math.abs(value - expected[i]), `entry ${i}: ${value} vs ${expected[i]}`).toBeLessThan(tolerance * scale));
}

/** Runs `work` inside tf.tidy and checks that the engine holds as many tensors afterwards as before. */
export function expectNoLeak(work: () => void): void {
  const before = tf.memory().numTensors;
  tf.tidy(work);
  expect(tf.memory().numTensors).toBe(before);
}

/** Every loss kind, presets included, for the table-driven tests. */
export const everyLoss: LossSpec[] = [
  { kind: 'bce' },
  { kind: 'dice' },
  { kind: 'focal' },
  { kind: 'lovasz' },
  ...Object.values(comboPresets),
  { kind: 'fourth-place' },
  { kind: 'fifth-place' },
];

/** A deterministic 2x4x4x1 batch: spread logits, a target with a few positives in image 1 and none in image 2. */
export const BATCH_SHAPE = [2, 4, 4, 1];
export const batchLogits = Array.from({ length: 32 }, (_, i) => Math.sin(i * 12.9898) * 3);
export const batchTarget = batchLogits.map((_, i) => (i < 16 && Math.cos(i * 7.1) > 0.3 ? 1 : 0));
export const batchCls = [0.7, -0.4];

/** The spec's loss on the batch as a function of its logits and (for multi-task losses) its cls logits. */
export function lossOnBatch(spec: LossSpec): (logits: tf.Tensor, cls: tf.Tensor) => tf.Scalar {
  const loss = createLoss(spec);
  return (logits, cls) => loss({ logits: logits as tf.Tensor4D, clsLogit: cls as tf.Tensor2D }, tf.tensor4d(batchTarget, BATCH_SHAPE as [number, number, number, number]));
}

/** Value and gradients (logits, then cls logits where the loss reads them) of the spec's loss on the batch. */
export function valueAndGradients(spec: LossSpec): { value: number; logits: number[]; cls: number[] } {
  const f = lossOnBatch(spec);
  return tf.tidy(() => {
    const logits = tf.tensor(batchLogits, BATCH_SHAPE);
    const cls = tf.tensor2d(batchCls, [2, 1]);
    const value = f(logits, cls).arraySync() as number;
    if (!requiresClsLogit(spec)) return { value, logits: Array.from(tf.grad((x) => f(x, cls))(logits).dataSync()), cls: [] };
    const [dLogits, dCls] = tf.grads(f)([logits, cls]);
    return { value, logits: Array.from(dLogits.dataSync()), cls: Array.from(dCls.dataSync()) };
  });
}
