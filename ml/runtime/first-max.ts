// Max reductions whose gradient goes to one winner, the first maximum in row-major order, as PyTorch's max_pool2d,
// adaptive_max_pool2d and torch.max(x, dim) give it. TF.js's own tf.max gradient hands the whole dy to every tied
// maximum, which a ReLU'd map (ties at 0) or a constant region would make differ from PyTorch.
import * as tf from '@tensorflow/tfjs';

/** [outer, reduced, inner] → [outer, 1, inner]; the gradient goes to argMax's index (TF.js's keeps the first). */
const maxOverMiddleAxis = tf.customGrad((input, saveFunc) => {
  const x = input as tf.Tensor3D;
  (saveFunc as tf.GradSaveFunc)([x]);
  return {
    value: tf.max(x, 1, true),
    gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
      // int32 then cast: the wasm backend's OneHot writes int32 whatever dtype it is asked for
      const winners = tf.oneHot(tf.argMax(saved, 1), saved.shape[1]!);
      const mask = tf.cast(tf.transpose(winners, [0, 2, 1]), 'float32');
      return tf.mul(dy, mask);
    },
  };
});

/** NHWC [N, H, W, C] → [N, 1, 1, C]: global max pooling. */
export function globalMaxPool(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.reshape(maxOverMiddleAxis(tf.reshape(x, [n, h * w, c])), [n, 1, 1, c]);
}

/** NHWC [N, H, W, C] → [N, H, W, 1]: the max over the channels. */
export function channelMax(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.reshape(maxOverMiddleAxis(tf.reshape(x, [n * h * w, c, 1])), [n, h, w, 1]);
}
