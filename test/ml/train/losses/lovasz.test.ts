// Lovász hinge, per image, against a case worked out by hand and finite differences (Berman et al.'s lovasz_hinge).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { lovaszHinge } from '../../../../ml/train/losses';
import { expectClose, numericGradient, tapeGradient, twoImages, valueOf } from './support';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE = [2, 2, 2, 1];
const logits = [
  ...[2, -0.8, 0.5, -3], // image 1, target 1 0 1 0
  ...[1, 1.5, -2, 0.3], // image 2, empty
];
const targets = () => twoImages([1, 0, 1, 0], [0, 0, 0, 0]);
const loss = (x: tf.Tensor) => lovaszHinge(x as tf.Tensor4D, targets());

describe('lovaszHinge', () => {
  it('matches the hand computation', () => {
    // errors e = 1 − x·(2t − 1).
    // Image 1: e = −1, 0.2, 0.5, −2; sorted 0.5 (t 1), 0.2 (t 0), −1 (t 1), −2 (t 0); 2 positives.
    //   intersection 2 − cumsum(t) = 1, 1, 0, 0; union 2 + cumsum(1 − t) = 2, 3, 3, 4;
    //   J = 1 − I/U = 1/2, 2/3, 1, 1; increments g = 1/2, 1/6, 1/3, 0; Σ relu(e_sorted)·g = 0.25 + 0.2/6.
    // Image 2 (no positives): J = 1 everywhere, g = 1, 0, 0, 0, so the loss is the largest error: 1 + 1.5 = 2.5.
    const image1 = 0.25 + 0.2 / 6;
    expect(valueOf(() => loss(tf.tensor(logits, SHAPE)))).toBeCloseTo((image1 + 2.5) / 2, 6);
  });

  it('has the gradient of the sorted dot product: −(2t − 1)·g per pixel with a positive error, over 2 images', () => {
    // image 1: pixel 2 (t 1, g 1/2) → −1/4; pixel 1 (t 0, g 1/6) → +1/12; pixels 0 and 3 have negative errors → 0
    // image 2: only the largest error (pixel 1, g 1) counts → +1/2
    const expected = [0, 1 / 12, -1 / 4, 0, 0, 1 / 2, 0, 0];
    expectClose(tapeGradient(loss, logits, SHAPE), expected, 1e-6);
    expectClose(numericGradient(loss, logits, SHAPE), expected, 1e-4);
  });

  it('agrees with finite differences on a random 2x4x4x1 batch (no ties, no error at a kink)', () => {
    const random = Array.from({ length: 32 }, (_, i) => Math.sin(i * 12.9898) * 3);
    const randomTargets = tf.tensor4d(random.map((_, i) => (Math.cos(i * 7.1) > 0.3 ? 1 : 0)), [2, 4, 4, 1]);
    const f = (x: tf.Tensor) => lovaszHinge(x as tf.Tensor4D, randomTargets);
    // finite differences see the piecewise-linear loss as linear only if no error is near 0 or near another error
    const errors = tf.tidy(() => Array.from(tf.sub(1, tf.tensor(random).mul(randomTargets.reshape([-1]).mul(2).sub(1))).dataSync()));
    const sorted = [...errors].sort((a, b) => a - b);
    expect(Math.min(...errors.map(Math.abs), ...sorted.slice(1).map((e, i) => e - sorted[i]))).toBeGreaterThan(2e-3);
    expectClose(tapeGradient(f, random, [2, 4, 4, 1]), numericGradient(f, random, [2, 4, 4, 1], 1e-3), 2e-3);
  });

  it('is 0 when every pixel is on the right side of the margin (x·(2t − 1) ≥ 1)', () => {
    expect(valueOf(() => loss(tf.tensor([1.5, -2, 3, -1.2, -1, -4, -1.1, -2], SHAPE)))).toBe(0);
  });
});
