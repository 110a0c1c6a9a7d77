// The weight gradient of a 2-D convolution as im2col and one matrix product per image and group:
//   dw[g·Og + o, c, i, j] = Σ_{n,p,q} dy[n, g·Og + o, p, q] · xpad[n, g·Cg + c, p·sh + i·dh, q·sw + j·dw]
// The sum over output rows p splits into bands, so the im2col never holds more than a budget of floats.
import { MICROSOFT_DOMAIN, type OnnxGraphBuilder } from '../../../io/onnx-builder';
import type { Conv2dNode } from '../../../models/ir';
import type { Shape } from '../../../models/shapes';

export type WeightGradientArgs = { x: string; dy: string; xShape: Shape; yShape: Shape };

/** Which operand of the product goes left (MLAS packs the right one); measured, see conv.ts. */
export type ProductOrder = 'patches·dyᵀ' | 'dy·patchesᵀ';

export function productOrder(outPerGroup: number): ProductOrder {
  return outPerGroup > 1 && outPerGroup <= 128 ? 'patches·dyᵀ' : 'dy·patchesᵀ';
}

/**
 * At most 256 Mi floats (1 GiB) of im2col at a time. AlbuNet's full-resolution 128-channel layer, batch 2, would
 * hold 0.6 GB at 256, 2.4 GB at 512 and 9.7 GB at 1024 in one piece. Measured at 512: its 3 bands cost 0–14% (within
 * the machine's noise), bands of 8 Mi floats 10–20%.
 */
export const IM2COL_BUDGET = 2 ** 28;

export type WeightGradientOptions = { order?: ProductOrder; budget?: number };

export function im2colWeightGradient(b: OnnxGraphBuilder, node: Conv2dNode, args: WeightGradientArgs, options: WeightGradientOptions = {}): string {
  const [n, c] = args.xShape;
  const [, o, ho, wo] = args.yShape;
  const [kh, kw] = node.kernel;
  const g = node.groups;
  const order = options.order ?? productOrder(o / g);
  const patchRows = (c / g) * kh * kw;
  const bands = isIdentity(node) ? 1 : Math.max(1, Math.min(ho, Math.ceil((n * c * kh * kw * ho * wo) / (options.budget ?? IM2COL_BUDGET))));
  const partials = rowBands(ho, bands).map(([r0, r1]) => {
    const columns = isIdentity(node) ? args.x : oneHotColumns(b, ...bandInput(b, node, args, r0, r1));
    const patches = b.op('Reshape', [columns, b.int64s([n, g, patchRows, (r1 - r0) * wo])]);
    const dyBand = bands === 1 ? args.dy : b.op('Slice', [args.dy, b.int64s([r0]), b.int64s([r1]), b.int64s([2])]);
    const dy = b.op('Reshape', [dyBand, b.int64s([n, g, o / g, (r1 - r0) * wo])]);
    const [left, right] = order === 'dy·patchesᵀ' ? [dy, patches] : [patches, dy];
    const perImage = b.op('FusedMatMul', [left, right], { transB: 1 }, { domain: MICROSOFT_DOMAIN });
    return b.op('ReduceSum', [perImage, b.int64s([0])], { keepdims: 0 });
  });
  const summed = partials.length === 1 ? partials[0] : b.op('Sum', partials);
  // [g, Og, Cg·K] is the weight's layout already; [g, Cg·K, Og] needs a (weight-sized) transpose
  const dw = order === 'dy·patchesᵀ' ? summed : b.op('Transpose', [summed], { perm: [0, 2, 1] });
  return b.op('Reshape', [dw, b.int64s([o, c / g, kh, kw])]);
}

/** [r0, r1) row ranges of nearly equal height covering [0, rows). */
export function rowBands(rows: number, bands: number): [number, number][] {
  return Array.from({ length: bands }, (_, k) => [Math.floor((k * rows) / bands), Math.floor(((k + 1) * rows) / bands)]);
}

/**
 * The input rows output rows [r0, r1) read, and the vertical pads that stand in for rows outside x: the band's own
 * x and node (the whole x and node for a single band).
 */
function bandInput(b: OnnxGraphBuilder, node: Conv2dNode, args: WeightGradientArgs, r0: number, r1: number): [Conv2dNode, string] {
  const [height, outRows] = [args.xShape[2], args.yShape[2]];
  if (r0 === 0 && r1 === outRows) return [node, args.x];
  const first = r0 * node.stride[0] - node.pad[0];
  const last = (r1 - 1) * node.stride[0] - node.pad[0] + node.dilation[0] * (node.kernel[0] - 1);
  const [top, bottom] = [Math.max(0, first), Math.min(height, last + 1)];
  const rows = b.op('Slice', [args.x, b.int64s([top]), b.int64s([bottom]), b.int64s([2])]);
  const pad = [top - first, node.pad[1], last + 1 - bottom, node.pad[3]] as const;
  return [{ ...node, pad }, rows];
}

/**
 * im2col [N, C·K, Ho, Wo] as a depthwise Conv with one-hot kernels: its output channel c·K + t is channel c seen by
 * tap t. Unlike Slices and a Concat it runs on every intra-op thread, and it takes stride, dilation and pads as the
 * forward Conv does.
 */
function oneHotColumns(b: OnnxGraphBuilder, node: Conv2dNode, x: string): string {
  const [kh, kw] = node.kernel;
  const taps = kh * kw;
  const channels = node.inChannels;
  // one channel's kernels, shared by every layer with this kernel size and expanded in the graph (ORT folds it at
  // load) to keep the model file small
  const perChannel = `conv_grad_one_hot_${kh}x${kw}`;
  if (!b.hasInitializer(perChannel)) {
    const oneHot = new Float32Array(taps * taps);
    for (let t = 0; t < taps; t++) oneHot[t * taps + t] = 1;
    b.initializer(perChannel, [1, taps, 1, kh, kw], oneHot);
  }
  const kernel = b.op('Reshape', [b.op('Expand', [perChannel, b.int64s([channels, taps, 1, kh, kw])]), b.int64s([channels * taps, 1, kh, kw])]);
  return b.op('Conv', [x, kernel], { kernel_shape: node.kernel, strides: node.stride, pads: node.pad, dilations: node.dilation, group: channels });
}

/** A 1x1 kernel at stride 1 without padding sees x itself. */
function isIdentity(node: Conv2dNode): boolean {
  return [...node.kernel, ...node.stride].every((v) => v === 1) && node.pad.every((p) => p === 0);
}
