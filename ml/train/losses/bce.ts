// Binary cross-entropy on logits, averaged over every element (PyTorch's BCEWithLogitsLoss).
import * as tf from '@tensorflow/tfjs';

/** mean(max(x, 0) − x·t + log(1 + exp(−|x|))): exp only ever sees a non-positive number, so no overflow. */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const softplusTail = tf.log1p(tf.exp(tf.neg(tf.abs(logits))));
    return tf.mean(tf.relu(logits).sub(logits.mul(targets)).add(softplusTail));
  });
}
