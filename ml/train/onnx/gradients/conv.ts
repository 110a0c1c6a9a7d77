// The gradient of a 2-D convolution (PyTorch semantics: weight [O, C/groups, kh, kw], pads [top, left, bottom,
// right]) as ONNX nodes, each formulation chosen by measurement: test/bench/conv-grad.ts on AlbuNet's layer shapes,
// batch 2, 2 intra-op threads, onnxruntime-node 1.30 on the 2-core AMD EPYC; candidates in interleaved rounds, best
// of 5, as the machine is shared. Figures are ms at a 256 input, from a quiet spell (December 2026); busier runs
// and 512 kept the same order.
//
// dx, stride 1: a Conv over dy with the weight transposed (out ↔ in within each group) and flipped, pads = the
//   kernel's span less the forward pads. It runs on ORT's forward Conv kernels (NCHWc) and costs what the forward
//   pass costs; ConvTranspose (GEMM then col2im) is 1.3–2x slower:
//                              forward   flipped Conv   ConvTranspose
//     3x3 128→128, 256²          370        387            595
//     3x3 384→256, 64²           114        121            186
//     3x3 512→512, 32²            68         89            146
//     3x3 128→32, 256²           118        149            315
// dx, stride 2 (or pads wider than the kernel reaches): ConvTranspose with output_padding for the rows and columns a
//   stride dropped. dy with zeros inserted and the flipped Conv was 4–15x slower (3x3/2 64→128: 4.3 against 18.9;
//   7x7/2 stem: 10.8 against 158); a MatMul Wᵀ·dy for 1x1 convs was no faster than the Conv.
// dw (conv-weight.ts): im2col, then one FusedMatMul per image and group with transB (so no Transpose of the big
//   operand), summed over the batch.
//   - The im2col is a depthwise Conv of x with one-hot kernels: it uses both threads and takes stride, dilation and
//     pads as they are, where Slices and a Concat copy twice on one thread:
//                              forward   chosen   Slices NCHW   Slices NHWC, one MatMul   a MatMul per tap
//     3x3 128→128, 256²          370       408        604                621                    497
//     3x3 128→32, 256²           118       168        400                454                    279
//     3x3 384→256, 64²           114       138        162                173                    149
//     3x3 512→512, 32²            68        96        108                 97                    116
//     3x3 64→64, 64²             8.3       6.7       14.9               16.5                   10.9
//     (the last: Slices of the padded x flattened per channel, each tap one contiguous run.)
//   - Product order: MLAS packs the right operand, so dy goes right (patches·dyᵀ) for 1 < O/g ≤ 128, and left for
//     wider layers and O = 1. The product alone, batch 2, [P, L]·[L, O], patches·dyᵀ against dy·patchesᵀ: P 1152,
//     O 128, L 65536: 297 against 346; O 32: 108 against 133; P 4608, O 512, L 1024: 143 against 88; P 32, O 1:
//     1.1 against 0.5. In the whole dw, 3x3 384→256: 138 against 185; 512→512: 96 against 132.
//   - A 1x1 stride-1 kernel without pads needs no im2col: the patches are x.
//   - The im2col is built in bands of output rows past 1 GiB (2.4 GB at 512 and 9.7 GB at 1024 for the
//     full-resolution 128→128 layer otherwise); a few bands cost 0–14% at 512, within this machine's noise.
// db: ReduceSum of dy over N, H and W.
//
// Forward + both gradients against PyTorch 1.13 autograd on the same layer, 2 threads (its time / ours): 3x3
//   128→128 at 256² 1.05, at 128² 1.34; 384→256 1.08; 128→32 0.98; 512→512 0.86; 64→64 at 64² 0.82; 256→256 at
//   16² 0.85; 3x3/2 64→128 0.90; 1x1/2 0.68; the 7x7/2 stem (no dx) 1.44. SE-ResNeXt's 32-group 3x3 at 32²: 0.37
//   (32 products of 8-row matrices per image; 0.08 GFLOP a pass, so small in time).
// Depthwise (EfficientNet-B3's, groups = channels) and dilated (DeepLabV3's and ASPP's) layers take the same
//   formulations, measured the same way at 256 (ms; forward, dx, dw, and PyTorch's forward + both over ours):
//     depthwise 3x3/2 144ch, 128²     12.6    15.9   18.8    3.3
//     depthwise 5x5 192ch, 64²        10.9    11.0   49.4    4.0
//     depthwise 3x3 576ch, 16²         1.9     2.0    4.1    5.2
//     dilated 3x3 d4 512→512, 32²      221     166    242    1.2
//     ASPP 3x3 d12 512→256, 32²         89     124    123    1.8
//     ASPP 3x3 d36 512→256, 32²         92      82    125    1.2
//   The depthwise dw is a batched product of 1-row matrices, so memory-bound, but its im2col (9 or 25 copies of a
//   small map) stays within 2–5x of a forward pass that does almost no arithmetic. In a one-off script (best of 5,
//   the chosen dw at 41 and 79 ms there), neither a Mul and ReduceSum over the same im2col (41, 90 ms on the first
//   two) nor a strided Slice, Mul and ReduceSum per tap (145, 87 ms) did better; the bench's per-tap FusedMatMul
//   tied. ConvTranspose for a depthwise dx was 3x slower than the flipped Conv, as for dense ones.
import type { OnnxGraphBuilder } from '../../../io/onnx-builder';
import type { Conv2dNode } from '../../../models/ir';
import type { Shape } from '../../../models/shapes';
import { convTransposeInputGradient, flippedConvInputGradient, flippedConvPads } from './conv-input';
import { im2colWeightGradient } from './conv-weight';

export type Conv2dBackwardArgs = {
  /** the conv's input [N, C, H, W] */
  x: string;
  /** the gradient of its output [N, O, Ho, Wo] */
  dy: string;
  /** [O, C/groups, kh, kw] */
  weight: string;
  xShape: Shape;
  yShape: Shape;
  needInput: boolean;
  needWeight: boolean;
  needBias: boolean;
};

export type Conv2dGradients = { dx?: string; dw?: string; db?: string };

export function emitConv2dBackward(b: OnnxGraphBuilder, node: Conv2dNode, args: Conv2dBackwardArgs): Conv2dGradients {
  const grads: Conv2dGradients = {};
  if (args.needInput) grads.dx = inputGradient(b, node, args);
  if (args.needWeight) grads.dw = im2colWeightGradient(b, node, args);
  if (args.needBias) grads.db = b.op('ReduceSum', [args.dy, b.int64s([0, 2, 3])], { keepdims: 0 });
  return grads;
}

function inputGradient(b: OnnxGraphBuilder, node: Conv2dNode, args: Conv2dBackwardArgs): string {
  const pads = node.stride.every((s) => s === 1) ? flippedConvPads(node) : null;
  return pads ? flippedConvInputGradient(b, node, args, pads) : convTransposeInputGradient(b, node, args);
}
