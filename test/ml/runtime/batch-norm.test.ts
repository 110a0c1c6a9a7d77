// The closed-form training-mode BatchNorm against TF.js's own autodiff of tf.moments + tf.batchNorm.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchStatisticsNorm } from '../../../ml/runtime/batch-norm';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Norm = (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor4D;
const EPS = 1e-5;

const closedForm: Norm = (x, gamma, beta) => {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return batchStatisticsNorm(x, mean, variance, gamma, beta, EPS);
};
const autodiff: Norm = (x, gamma, beta) => {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean as tf.Tensor1D, variance as tf.Tensor1D, beta, gamma, EPS);
};

/** Output and gradients (x, γ, β) of Σ w·norm(x), w fixed random weights so every gradient term matters. */
function evaluate(norm: Norm) {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 5, 7, 4], 0.3, 2, 'float32', 1) as tf.Tensor4D;
    const gamma = tf.tensor1d([0.5, 1.5, -1, 2]);
    const beta = tf.tensor1d([0.1, -0.2, 0.3, 0]);
    const w = tf.randomNormal(x.shape, 0, 1, 'float32', 2);
    const y = norm(x, gamma, beta);
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(w, norm(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D))),
    )([x, gamma, beta]);
    return [y, ...grads].map((t) => [...t.dataSync()]);
  });
}

describe('batchStatisticsNorm', () => {
  it('matches TF.js autodiff of moments + batchNorm in value and in the gradients of x, γ and β', () => {
    const expected = evaluate(autodiff);
    const actual = evaluate(closedForm);
    expected.forEach((values, i) => {
      const scale = Math.max(...values.map(Math.abs));
      values.forEach((v, j) => expect(Math.abs(actual[i][j] - v), `output ${i}, element ${j}`).toBeLessThan(1e-4 * scale));
    });
  });
});
