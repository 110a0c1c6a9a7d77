// Dilated (atrous) convolutions TF.js can differentiate. Its Conv2D and DepthwiseConv2dNative gradients refuse
// dilations above 1, and DeepLabV3's dilated stages and ASPP (rates 12/24/36) need them to train.
import * as tf from '@tensorflow/tfjs';
import type { Pads, Pair } from '../models';

/**
 * A stride-1 convolution with `dilation` and `pads`, as TF's atrous_conv2d computes it: the padded input split into
 * its dh·dw phases (space-to-batch; phase (r, s) holds rows r, r + dh, … and columns s, s + dw, …), a dilation-1
 * 'valid' convolution of each phase (`convolveValid`), the phases' outputs put back in place (batch-to-space).
 * Every step has a TF.js gradient. The padded input is first extended to a multiple of the dilation; the extra
 * outputs this gives at the bottom and right are cropped away.
 */
export function atrousConv(x: tf.Tensor4D, kernel: Pair, dilation: Pair, pads: Pads, convolveValid: (phases: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  const [pt, pl, pb, pr] = pads;
  const padded = tf.pad(x, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  const extra = [1, 2].map((axis, k) => {
    const size = padded.shape[axis]!;
    if (size < dilation[k] * (kernel[k] - 1) + 1) throw new Error(`a ${kernel[k]}-tap kernel at dilation ${dilation[k]} does not fit ${size} padded cells`);
    return Math.ceil(size / dilation[k]) * dilation[k] - size;
  });
  const ends: [number, number][] = [
    [0, extra[0]],
    [0, extra[1]],
  ];
  const phases = tf.spaceToBatchND(padded, [...dilation], ends);
  return tf.batchToSpaceND(convolveValid(phases), [...dilation], ends);
}

/** The dilation a kernel axis really has: a 1-tap axis reads one cell whatever its dilation says. */
export function effectiveDilation(kernel: Pair, dilation: Pair): Pair {
  return [kernel[0] === 1 ? 1 : dilation[0], kernel[1] === 1 ? 1 : dilation[1]];
}
