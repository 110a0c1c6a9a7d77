// Soft Dice loss over the whole batch at once (not per image), as the 1st-place ComboLoss computes it.
import * as tf from '@tensorflow/tfjs';

const SMOOTH = 1e-6;

/** 1 − (2Σp·t + 1e-6) / (Σp + Σt + 1e-6) with p = sigmoid(logit), every sum over all pixels of all images. */
export function softDice(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.sigmoid(logits);
    const overlap = tf.sum(p.mul(targets)).mul(2).add(SMOOTH);
    const total = tf.sum(p).add(tf.sum(targets)).add(SMOOTH);
    return tf.sub(1, overlap.div(total));
  });
}
