// Gradient clipping by the global L2 norm, as torch.nn.utils.clip_grad_norm_(parameters, max_norm): one norm over
// every gradient together, and every gradient scaled by max_norm / (norm + 1e-6) when that is below 1. The 1st
// place's "GRADIENT_CLIPPING: 0.1" is this call with max_norm 0.1 (unet_pipeline/Learning.py).
import * as tf from '@tensorflow/tfjs';

/** torch's guard against dividing by a zero norm, kept so clipped values match PyTorch's. */
const NORM_EPSILON = 1e-6;

export type ClippedGradients = { grads: tf.Tensor[]; norm: tf.Scalar };

/**
 * New tensors (the caller disposes them and `norm`); the inputs are left alone. The scale stays a tensor so that
 * clipping never waits for the backend; multiplying by exactly 1 leaves a gradient unchanged, as torch's clamp does.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): ClippedGradients {
  if (!(maxNorm > 0)) throw new RangeError(`gradient clipping needs a positive max norm, got ${maxNorm}`);
  return tf.tidy(() => {
    const squares = grads.map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(squares.length > 0 ? tf.addN(squares) : tf.scalar(0)) as tf.Scalar;
    const scale = tf.minimum(tf.scalar(1), tf.div(maxNorm, tf.add(norm, NORM_EPSILON)));
    return { grads: grads.map((g) => tf.mul(g, scale)), norm };
  });
}
