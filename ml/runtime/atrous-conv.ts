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

/**
 * The kernel taps of a stride-1 convolution that ever read the input, on an `input`-sized map: a tap whose every
 * read lands in the padding multiplies zeros only, in the forward pass and in both gradients. DeepLabV3's ASPP at
 * rates 12–36 on a small map is mostly such taps, and TF.js would otherwise train them through space-to-batch
 * tiles of padding. Returns the first live tap per axis, the live count, and the pads that keep the output's size
 * and alignment with only those taps; null when every tap is live or the trimmed pads would have to be negative.
 */
export function liveTaps(kernel: Pair, dilation: Pair, pads: Pads, input: Pair): { first: Pair; count: Pair; pads: Pads } | null {
  const axes = [0, 1].map((k) => {
    const before = pads[k];
    const after = pads[k + 2];
    const out = input[k] + before + after - dilation[k] * (kernel[k] - 1);
    // tap i reads input cells i·d − before … i·d − before + out − 1
    const live = Array.from({ length: kernel[k] }, (_, i) => i * dilation[k] - before < input[k] && i * dilation[k] - before + out - 1 >= 0);
    const first = live.indexOf(true);
    const count = live.lastIndexOf(true) - first + 1;
    const newBefore = before - first * dilation[k];
    return { first, count, before: newBefore, after: out - input[k] - newBefore + dilation[k] * (count - 1) };
  });
  if (axes.some((a) => a.first < 0 || a.before < 0 || a.after < 0) || axes.every((a, k) => a.count === kernel[k])) return null;
  return { first: [axes[0].first, axes[1].first], count: [axes[0].count, axes[1].count], pads: [axes[0].before, axes[1].before, axes[0].after, axes[1].after] };
}
