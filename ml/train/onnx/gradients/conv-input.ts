// The input gradient of a 2-D convolution: the two ONNX formulations conv.ts chooses between.
import type { OnnxGraphBuilder } from '../../../io/onnx-builder';
import type { Conv2dNode } from '../../../models/ir';
import type { Shape } from '../../../models/shapes';

export type InputGradientArgs = { dy: string; weight: string; xShape: Shape; yShape: Shape };

/**
 * Pads of the stride-1 Conv over dy that gives dx: the kernel's span less the forward pads. Null where one would be
 * negative (a pad wider than the kernel reaches), which Conv cannot express.
 */
export function flippedConvPads(node: Conv2dNode): [number, number, number, number] | null {
  const span = node.kernel.map((k, axis) => node.dilation[axis] * (k - 1));
  const pads: [number, number, number, number] = [span[0] - node.pad[0], span[1] - node.pad[1], span[0] - node.pad[2], span[1] - node.pad[3]];
  return pads.every((p) => p >= 0) ? pads : null;
}

/** Stride 1: a Conv over dy with the weight transposed (out ↔ in, within each group) and flipped. */
export function flippedConvInputGradient(b: OnnxGraphBuilder, node: Conv2dNode, args: InputGradientArgs, pads: readonly number[]): string {
  return b.op('Conv', [args.dy, flippedWeight(b, node, args)], { kernel_shape: node.kernel, pads, dilations: node.dilation, group: node.groups });
}

/** [O, C/g, kh, kw] → [C, O/g, kh, kw] with both spatial axes reversed. */
export function flippedWeight(b: OnnxGraphBuilder, node: Conv2dNode, args: InputGradientArgs): string {
  const g = node.groups;
  const [o, cg, kh, kw] = [args.yShape[1], args.xShape[1] / g, ...node.kernel];
  const grouped = b.op('Reshape', [args.weight, b.int64s([g, o / g, cg, kh, kw])]);
  const swapped = b.op('Reshape', [b.op('Transpose', [grouped], { perm: [0, 2, 1, 3, 4] }), b.int64s([g * cg, o / g, kh, kw])]);
  const end = -(2 ** 62);
  return b.op('Slice', [swapped, b.int64s([-1, -1]), b.int64s([end, end]), b.int64s([2, 3]), b.int64s([-1, -1])]);
}

/** ConvTranspose with the conv's own weight; output_padding restores the rows and columns a stride dropped. */
export function convTransposeInputGradient(b: OnnxGraphBuilder, node: Conv2dNode, args: InputGradientArgs): string {
  const outputPadding = [0, 1].map((axis) => {
    const covered = (args.yShape[2 + axis] - 1) * node.stride[axis] - node.pad[axis] - node.pad[axis + 2] + node.dilation[axis] * (node.kernel[axis] - 1) + 1;
    return args.xShape[2 + axis] - covered;
  });
  return b.op('ConvTranspose', [args.dy, args.weight], {
    kernel_shape: node.kernel,
    strides: node.stride,
    pads: node.pad,
    dilations: node.dilation,
    group: node.groups,
    output_padding: outputPadding,
  });
}
