// Focal loss with gamma 2 and no alpha (1st place's FocalLoss2d), on logits.
import * as tf from '@tensorflow/tfjs';

const EPS = 1e-8;

/**
 * mean(−(1 − pt)²·log pt), pt = t·p + (1 − t)(1 − p), p clamped to [1e-8, 1 − 1e-8].
 * In float32 1 − 1e-8 rounds to 1, so an upper clamp on p would do nothing and a confident wrong pixel would give
 * log 0. The same clamp is exact as "p ≥ 1e-8 and 1 − p ≥ 1e-8", with 1 − p taken as sigmoid(−x); a sigmoid never
 * exceeds 1, so each bound is a maximum (cheaper to differentiate than clipByValue, and the same gradient).
 */
export function focal(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.maximum(tf.sigmoid(logits), EPS);
    const notP = tf.maximum(tf.sigmoid(tf.neg(logits)), EPS);
    const pt = targets.mul(p).add(tf.sub(1, targets).mul(notP));
    return tf.mean(tf.square(tf.sub(1, pt)).mul(tf.log(pt)).neg());
  });
}
