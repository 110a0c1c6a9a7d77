// Lovász hinge (Berman, Rannen Triki & Blaschko 2018), per image as lovasz_hinge(per_image=True): the 3rd-place
// segmentation loss, a convex surrogate of each image's Jaccard index.
import * as tf from '@tensorflow/tfjs';

/** Mean over images of Σ relu(e_sorted)·∇J, e = 1 − x·(2t − 1) sorted descending, ∇J the Jaccard-loss increments. */
export function lovaszHinge(logits: tf.Tensor4D, targets: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const images = logits.shape[0];
    const labels = targets.reshape([images, -1]) as tf.Tensor2D;
    const errors = tf.sub(1, logits.reshape([images, -1]).mul(labels.mul(2).sub(1))) as tf.Tensor2D;
    return tf.mean(tf.sum(tf.relu(errors).mul(jaccardWeights(errors, labels)), 1));
  });
}

/**
 * Σ relu(e_sorted)·g equals Σ relu(e)·w with w = g put back in pixel order, and the sort permutation is piecewise
 * constant in the logits, so treating w as a constant gives exactly PyTorch's gradient through sort-then-dot. It is
 * computed off the tape: TF.js has no gradient for TopK, and differentiating a gather of the sorted errors would need
 * UnsortedSegmentSum, a kernel the WASM backend lacks.
 */
const jaccardWeights = tf.customGrad((errors, labels) => {
  const e = errors as tf.Tensor2D;
  const t = labels as tf.Tensor2D;
  return { value: pixelOrderWeights(e, t), gradFunc: () => [tf.zerosLike(e), tf.zerosLike(t)] };
});

function pixelOrderWeights(errors: tf.Tensor2D, labels: tf.Tensor2D): tf.Tensor2D {
  const [images, pixels] = errors.shape;
  const order = tf.topk(errors, pixels).indices;
  const sortedLabels = tf.gather(labels, order, 1, 1);
  const increments = jaccardIncrements(sortedLabels);
  const rows = tf.range(0, images, 1, 'int32').reshape([images, 1]).tile([1, pixels]);
  return tf.scatterND(tf.stack([rows, order], 2), increments, [images, pixels]);
}

/** lovasz_grad: J_i = 1 − (P − cumsum(t)_i) / (P + cumsum(1 − t)_i) for P positives; g_0 = J_0, g_i = J_i − J_(i−1). */
function jaccardIncrements(sortedLabels: tf.Tensor2D): tf.Tensor2D {
  const [images, pixels] = sortedLabels.shape;
  const positives = tf.sum(sortedLabels, 1, true);
  const intersection = positives.sub(tf.cumsum(sortedLabels, 1));
  const union = positives.add(tf.cumsum(tf.sub(1, sortedLabels), 1));
  const jaccard = tf.sub(1, intersection.div(union)) as tf.Tensor2D;
  const previous = tf.pad(jaccard.slice([0, 0], [images, pixels - 1]), [[0, 0], [1, 0]]);
  return jaccard.sub(previous);
}
