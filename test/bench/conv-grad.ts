// Times the ONNX formulations of a convolution's gradients on AlbuNet's (and SE-ResNeXt's) layer shapes, batch 2,
// against the forward Conv and PyTorch's autograd (forward + both gradients) on the same layers, and checks that
// every candidate agrees with the first of its kind; prints JSON (each layer also goes to stderr as it finishes). It
// is how the choices written at the top of ml/train/onnx/gradients/conv.ts were made.
// Run: `npx tsx test/bench/conv-grad.ts` (about 5 minutes at 256, 10 at 512 on a quiet 2-core machine).
// Environment: CONV_BENCH_SIZES (model input sizes, default "256,512"), CONV_BENCH_REPS (best of, default 3),
// CONV_BENCH_LAYERS and CONV_BENCH_CANDIDATES (names to keep, separated by |), CONV_BENCH_TORCH=0 (no PyTorch,
// else /usr/bin/python3), CONV_BENCH_THREADS (default 2). Times are wall and process CPU time in ms (threads do not
// spin, so CPU time stays work done on a shared machine).
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { MICROSOFT_DOMAIN, OnnxGraphBuilder } from '../../ml/io/onnx-builder';
import type { Conv2dNode } from '../../ml/models/ir';
import { emitConv2dBackward, type Conv2dBackwardArgs } from '../../ml/train/onnx/gradients/conv';
import { convTransposeInputGradient, flippedWeight } from '../../ml/train/onnx/gradients/conv-input';
import { im2colWeightGradient, productOrder, type ProductOrder } from '../../ml/train/onnx/gradients/conv-weight';

const env = process.env;
const sizes = (env.CONV_BENCH_SIZES ?? '256,512').split(',').map(Number);
const reps = Number(env.CONV_BENCH_REPS ?? 3);
const threads = Number(env.CONV_BENCH_THREADS ?? 2);
const keep = (list: string | undefined) => (list ? new Set(list.split('|')) : null);
const keepLayers = keep(env.CONV_BENCH_LAYERS);
const keepCandidates = keep(env.CONV_BENCH_CANDIDATES);
/**
 * Bytes of im2col times the candidates above which a layer's candidates run one at a time: each session keeps its
 * peak memory, and all of them at once at 512 took 17 GB (the OOM killer's limit here). 256 stays interleaved.
 */
const MEMORY_FOR_INTERLEAVING = 1e10;

type Layer = { name: string; cin: number; cout: number; k: number; stride: number; dilation?: number; groups?: number; scale: number };

/** scale: the layer's input resolution as a fraction of the model input. */
const layers: Layer[] = [
  { name: 'stem 7x7/2 3→64', cin: 3, cout: 64, k: 7, stride: 2, scale: 1 },
  { name: 'enc 3x3 64→64', cin: 64, cout: 64, k: 3, stride: 1, scale: 1 / 4 },
  { name: 'enc 3x3/2 64→128', cin: 64, cout: 128, k: 3, stride: 2, scale: 1 / 4 },
  { name: 'enc 1x1/2 64→128', cin: 64, cout: 128, k: 1, stride: 2, scale: 1 / 4 },
  { name: 'enc 3x3 256→256', cin: 256, cout: 256, k: 3, stride: 1, scale: 1 / 16 },
  { name: 'dec 3x3 384→256', cin: 384, cout: 256, k: 3, stride: 1, scale: 1 / 4 },
  { name: 'center 3x3 512→512', cin: 512, cout: 512, k: 3, stride: 1, scale: 1 / 8 },
  { name: 'dec 3x3 128→128 half', cin: 128, cout: 128, k: 3, stride: 1, scale: 1 / 2 },
  { name: 'dec 3x3 128→128 full', cin: 128, cout: 128, k: 3, stride: 1, scale: 1 },
  { name: 'dec 3x3 128→32 full', cin: 128, cout: 32, k: 3, stride: 1, scale: 1 },
  { name: 'final 1x1 32→1 full', cin: 32, cout: 1, k: 1, stride: 1, scale: 1 },
  { name: 'resnext 1x1 256→128', cin: 256, cout: 128, k: 1, stride: 1, scale: 1 / 4 },
  { name: 'resnext 1x1 512→1024', cin: 512, cout: 1024, k: 1, stride: 1, scale: 1 / 16 },
  { name: 'dilated 3x3 d2 64→64', cin: 64, cout: 64, k: 3, stride: 1, dilation: 2, scale: 1 / 4 },
  { name: 'resnext 3x3 g32 256→256', cin: 256, cout: 256, k: 3, stride: 1, groups: 32, scale: 1 / 8 },
  { name: 'resnext 3x3/2 g32 512→512', cin: 512, cout: 512, k: 3, stride: 2, groups: 32, scale: 1 / 8 },
  { name: 'effnet-b3 depthwise 3x3/2 144', cin: 144, cout: 144, k: 3, stride: 2, groups: 144, scale: 1 / 2 },
  { name: 'effnet-b3 depthwise 5x5 192', cin: 192, cout: 192, k: 5, stride: 1, groups: 192, scale: 1 / 4 },
  { name: 'effnet-b3 depthwise 3x3 576', cin: 576, cout: 576, k: 3, stride: 1, groups: 576, scale: 1 / 16 },
  { name: 'deeplab dilated 3x3 d4 512→512', cin: 512, cout: 512, k: 3, stride: 1, dilation: 4, scale: 1 / 8 },
  { name: 'aspp 3x3 d12 512→256', cin: 512, cout: 256, k: 3, stride: 1, dilation: 12, scale: 1 / 8 },
  { name: 'aspp 3x3 d36 512→256', cin: 512, cout: 256, k: 3, stride: 1, dilation: 36, scale: 1 / 8 },
];

type Candidate = { name: string; grad: 'dx' | 'dw' | 'forward'; applies: (node: Conv2dNode) => boolean; emit: (b: OnnxGraphBuilder, node: Conv2dNode, args: Conv2dBackwardArgs) => string };

const always = () => true;
const strideOne = (node: Conv2dNode) => node.stride.every((s) => s === 1);
const isPointwise = (node: Conv2dNode) => node.kernel.every((k) => k === 1) && strideOne(node) && node.pad.every((p) => p === 0);

// 'chosen' is what emitConv2dBackward emits; the others are the alternatives it was measured against (the stride-1
// flipped Conv and ConvTranspose are chosen where they apply, so each appears once per layer).
const candidates: Candidate[] = [
  { name: 'Conv (forward)', grad: 'forward', applies: always, emit: (b, node, args) => b.op('Conv', [args.x, args.weight], convAttributes(node)) },
  { name: 'chosen dx', grad: 'dx', applies: always, emit: (b, node, args) => emitConv2dBackward(b, node, { ...args, needWeight: false, needBias: false }).dx! },
  { name: 'ConvTranspose dx', grad: 'dx', applies: strideOne, emit: convTransposeInputGradient },
  { name: '1x1: FusedMatMul Wᵀ·dy dx', grad: 'dx', applies: isPointwise, emit: pointwiseMatMulInputGradient },
  { name: 'zeros inserted, flipped Conv dx', grad: 'dx', applies: (node) => !strideOne(node), emit: zeroInsertedInputGradient },
  { name: 'chosen dw', grad: 'dw', applies: always, emit: (b, node, args) => emitConv2dBackward(b, node, { ...args, needInput: false, needBias: false }).dw! },
  { name: 'one-hot Conv im2col, the other product order dw', grad: 'dw', applies: always, emit: (b, node, args) => im2colWeightGradient(b, node, args, { order: otherOrder(node, args) }) },
  { name: 'one-hot Conv im2col, unbanded dw', grad: 'dw', applies: always, emit: (b, node, args) => im2colWeightGradient(b, node, args, { budget: Infinity }) },
  { name: 'one-hot Conv im2col, bands of 8 Mi floats dw', grad: 'dw', applies: always, emit: (b, node, args) => im2colWeightGradient(b, node, args, { budget: 2 ** 23 }) },
  { name: 'Slice im2col NCHW, patches·dyᵀ dw', grad: 'dw', applies: always, emit: (b, node, args) => contractSliceColumns(b, node, args, 'patches·dyᵀ') },
  { name: 'Slice im2col NCHW, dy·patchesᵀ dw', grad: 'dw', applies: always, emit: (b, node, args) => contractSliceColumns(b, node, args, 'dy·patchesᵀ') },
  { name: 'Slice im2col NHWC, one MatMul dw', grad: 'dw', applies: (node) => node.groups === 1, emit: nhwcIm2colWeightGradient },
  { name: 'flat shifted Slices, Concat, FusedMatMul dw', grad: 'dw', applies: strideOne, emit: flatShiftWeightGradient },
  { name: 'flat shifted Slices, FusedMatMul per tap dw', grad: 'dw', applies: strideOne, emit: perTapFlatShiftWeightGradient },
];

/** 1x1, stride 1: dx[n, g] = W[g]ᵀ · dy[n, g] per group, as one broadcast FusedMatMul. */
function pointwiseMatMulInputGradient(b: OnnxGraphBuilder, node: Conv2dNode, args: Conv2dBackwardArgs): string {
  const [n, c, h, w] = args.xShape;
  const o = args.yShape[1];
  const g = node.groups;
  const weight = b.op('Reshape', [args.weight, b.int64s([g, o / g, c / g])]);
  const dy = b.op('Reshape', [args.dy, b.int64s([n, g, o / g, h * w])]);
  const dx = b.op('FusedMatMul', [weight, dy], { transA: 1 }, { domain: MICROSOFT_DOMAIN });
  return b.op('Reshape', [dx, b.int64s([n, c, h, w])]);
}

const otherOrder = (node: Conv2dNode, args: Conv2dBackwardArgs): ProductOrder => (productOrder(args.yShape[1] / node.groups) === 'dy·patchesᵀ' ? 'patches·dyᵀ' : 'dy·patchesᵀ');

function convAttributes(node: Conv2dNode) {
  return { kernel_shape: node.kernel, strides: node.stride, pads: node.pad, dilations: node.dilation, group: node.groups };
}

/** Stride s: dy with s − 1 zeros after every pixel, then the stride-1 flipped Conv (extra zero rows trimmed). */
function zeroInsertedInputGradient(b: OnnxGraphBuilder, node: Conv2dNode, args: Conv2dBackwardArgs): string {
  const [n, o, ho, wo] = args.yShape;
  const [sh, sw] = node.stride;
  const spread = b.op('Unsqueeze', [args.dy, b.int64s([3, 5])]);
  const padded = b.op('Pad', [spread, b.int64s([0, 0, 0, 0, 0, 0, 0, 0, 0, sh - 1, 0, sw - 1])]);
  const inserted = b.op('Reshape', [padded, b.int64s([n, o, ho * sh, wo * sw])]);
  const span = node.kernel.map((k, axis) => node.dilation[axis] * (k - 1));
  const top = span[0] - node.pad[0];
  const left = span[1] - node.pad[1];
  const bottom = args.xShape[2] - ho * sh - top + span[0];
  const right = args.xShape[3] - wo * sw - left + span[1];
  const trimmed = bottom < 0 || right < 0 ? b.op('Slice', [inserted, b.int64s([0, 0]), b.int64s([ho * sh + Math.min(bottom, 0), wo * sw + Math.min(right, 0)]), b.int64s([2, 3])]) : inserted;
  return b.op('Conv', [trimmed, flippedWeight(b, node, args)], {
    kernel_shape: node.kernel,
    pads: [top, left, Math.max(bottom, 0), Math.max(right, 0)],
    dilations: node.dilation,
    group: node.groups,
  });
}

/** dw from tap-major Slice columns [N, g, K·Cg, L]: a FusedMatMul (transB) per image and group, summed over N. */
function contractSliceColumns(b: OnnxGraphBuilder, node: Conv2dNode, args: Conv2dBackwardArgs, order: ProductOrder): string {
  const [n, c] = args.xShape;
  const [, o, ho, wo] = args.yShape;
  const [kh, kw] = node.kernel;
  const g = node.groups;
  const [cg, og, taps] = [c / g, o / g, kh * kw];
  const dy = b.op('Reshape', [args.dy, b.int64s([n, g, og, ho * wo])]);
  const columns = sliceColumns(b, node, args);
  const [left, right] = order === 'dy·patchesᵀ' ? [dy, columns] : [columns, dy];
  const perImage = b.op('FusedMatMul', [left, right], { transB: 1 }, { domain: MICROSOFT_DOMAIN });
  const summed = b.op('ReduceSum', [perImage, b.int64s([0])], { keepdims: 0 });
  // [g, Og, K, Cg] or [g, K, Cg, Og] to [g, Og, Cg, K]
  const split = order === 'dy·patchesᵀ' ? [g, og, taps, cg] : [g, taps, cg, og];
  const perm = order === 'dy·patchesᵀ' ? [0, 1, 3, 2] : [0, 3, 2, 1];
  return b.op('Reshape', [b.op('Transpose', [b.op('Reshape', [summed, b.int64s(split)])], { perm }), b.int64s([o, cg, kh, kw])]);
}

/** One strided Slice of the padded x per tap, concatenated per group: [N, g, K·Cg, Ho·Wo], tap-major in each group. */
function sliceColumns(b: OnnxGraphBuilder, node: Conv2dNode, args: Conv2dBackwardArgs): string {
  const [n, c] = args.xShape;
  const [, , ho, wo] = args.yShape;
  const [pt, pl, pb, pr] = node.pad;
  const padded = pt + pl + pb + pr > 0 ? b.op('Pad', [args.x, b.int64s([0, 0, pt, pl, 0, 0, pb, pr])]) : args.x;
  const taps = tapOffsets(node).map(([r, col]) => {
    const ends = [r + (ho - 1) * node.stride[0] + 1, col + (wo - 1) * node.stride[1] + 1];
    const tap = b.op('Slice', [padded, b.int64s([r, col]), b.int64s(ends), b.int64s([2, 3]), b.int64s(node.stride)]);
    return b.op('Reshape', [tap, b.int64s([n, node.groups, c / node.groups, ho * wo])]);
  });
  return taps.length === 1 ? taps[0] : b.op('Concat', taps, { axis: 2 });
}

/** environment.md's: x to NHWC, one Slice per tap concatenated on channels, one MatMul [O, NHW] x [NHW, K·C]. */
function nhwcIm2colWeightGradient(b: OnnxGraphBuilder, node: Conv2dNode, args: Conv2dBackwardArgs): string {
  const [n, c] = args.xShape;
  const [, o, ho, wo] = args.yShape;
  const [kh, kw] = node.kernel;
  const [pt, pl, pb, pr] = node.pad;
  const nhwc = b.op('Transpose', [args.x], { perm: [0, 2, 3, 1] });
  const padded = b.op('Pad', [nhwc, b.int64s([0, pt, pl, 0, 0, pb, pr, 0])]);
  const taps = tapOffsets(node).map(([r, col]) =>
    b.op('Slice', [padded, b.int64s([r, col]), b.int64s([r + (ho - 1) * node.stride[0] + 1, col + (wo - 1) * node.stride[1] + 1]), b.int64s([1, 2]), b.int64s(node.stride)]),
  );
  const patches = b.op('Reshape', [b.op('Concat', taps, { axis: 3 }), b.int64s([n * ho * wo, kh * kw * c])]);
  const dyT = b.op('Reshape', [b.op('Transpose', [args.dy], { perm: [1, 0, 2, 3] }), b.int64s([o, n * ho * wo])]);
  const dw = b.op('MatMul', [dyT, patches]);
  return b.op('Transpose', [b.op('Reshape', [dw, b.int64s([o, kh, kw, c])])], { perm: [0, 3, 1, 2] });
}

/**
 * Stride 1: with x padded and flattened per channel to rows of Wp pixels, tap (i, j) is one contiguous run
 * starting at i·dh·Wp + j·dw; dy padded to Wp columns (zeros) makes the Wp − Wo wrapped columns count for nothing.
 * Returns x flattened to [N, g, Cg, Hp·Wp] (one more row keeps the last taps inside) and dy to [N, g, Og, Ho·Wp].
 */
function flatShiftOperands(b: OnnxGraphBuilder, node: Conv2dNode, args: Conv2dBackwardArgs) {
  const [n, c, h, w] = args.xShape;
  const [, o, ho, wo] = args.yShape;
  const [pt, pl, pb, pr] = node.pad;
  const g = node.groups;
  const wp = w + pl + pr;
  const extraRows = Math.ceil((node.dilation[1] * (node.kernel[1] - 1)) / wp);
  const hp = h + pt + pb + extraRows;
  const padded = b.op('Pad', [args.x, b.int64s([0, 0, pt, pl, 0, 0, pb + extraRows, pr])]);
  const flat = b.op('Reshape', [padded, b.int64s([n, g, c / g, hp * wp])]);
  const dyWide = wp > wo ? b.op('Pad', [args.dy, b.int64s([0, 0, 0, 0, 0, 0, 0, wp - wo])]) : args.dy;
  const dyFlat = b.op('Reshape', [dyWide, b.int64s([n, g, o / g, ho * wp])]);
  const taps = tapOffsets(node).map(([r, col]) => b.op('Slice', [flat, b.int64s([r * wp + col]), b.int64s([r * wp + col + ho * wp]), b.int64s([3])]));
  return { taps, dyFlat };
}

function flatShiftWeightGradient(b: OnnxGraphBuilder, node: Conv2dNode, args: Conv2dBackwardArgs): string {
  const { taps, dyFlat } = flatShiftOperands(b, node, args);
  const [o, c, kh, kw] = [args.yShape[1], args.xShape[1], ...node.kernel];
  const g = node.groups;
  const patches = b.op('Concat', taps, { axis: 2 });
  const perImage = b.op('FusedMatMul', [dyFlat, patches], { transB: 1 }, { domain: MICROSOFT_DOMAIN });
  const summed = b.op('ReduceSum', [perImage, b.int64s([0])], { keepdims: 0 });
  const byTap = b.op('Reshape', [summed, b.int64s([g, o / g, kh * kw, c / g])]);
  return b.op('Reshape', [b.op('Transpose', [byTap], { perm: [0, 1, 3, 2] }), b.int64s([o, c / g, kh, kw])]);
}

function perTapFlatShiftWeightGradient(b: OnnxGraphBuilder, node: Conv2dNode, args: Conv2dBackwardArgs): string {
  const { taps, dyFlat } = flatShiftOperands(b, node, args);
  const [o, cg, kh, kw] = [args.yShape[1], args.xShape[1] / node.groups, ...node.kernel];
  const perTap = taps.map((tap) => b.op('Unsqueeze', [b.op('FusedMatMul', [dyFlat, tap], { transB: 1 }, { domain: MICROSOFT_DOMAIN }), b.int64s([4])]));
  const summed = b.op('ReduceSum', [b.op('Concat', perTap, { axis: 4 }), b.int64s([0])], { keepdims: 0 });
  return b.op('Reshape', [summed, b.int64s([o, cg, kh, kw])]);
}

/** (row, column) of each kernel tap in the padded input, row-major. */
function tapOffsets(node: Conv2dNode): [number, number][] {
  const offsets: [number, number][] = [];
  for (let i = 0; i < node.kernel[0]; i++) for (let j = 0; j < node.kernel[1]; j++) offsets.push([i * node.dilation[0], j * node.dilation[1]]);
  return offsets;
}

type Shapes = { node: Conv2dNode; xShape: number[]; yShape: number[]; wShape: number[]; flop: number };

function layerShapes(layer: Layer, size: number): Shapes {
  const d = layer.dilation ?? 1;
  const p = (d * (layer.k - 1)) >> 1;
  const h = Math.round(size * layer.scale);
  const ho = Math.floor((h + 2 * p - d * (layer.k - 1) - 1) / layer.stride) + 1;
  const groups = layer.groups ?? 1;
  const node: Conv2dNode = {
    op: 'conv2d',
    inputs: ['x'],
    output: 'y',
    weight: 'w',
    bias: null,
    inChannels: layer.cin,
    outChannels: layer.cout,
    kernel: [layer.k, layer.k],
    stride: [layer.stride, layer.stride],
    pad: [p, p, p, p],
    dilation: [d, d],
    groups,
  };
  const flop = 2 * 2 * layer.cout * ho * ho * (layer.cin / groups) * layer.k * layer.k;
  return { node, xShape: [2, layer.cin, h, h], yShape: [2, layer.cout, ho, ho], wShape: [layer.cout, layer.cin / groups, layer.k, layer.k], flop };
}

function random(count: number): Float32Array {
  const data = new Float32Array(count);
  for (let k = 0; k < count; k++) data[k] = Math.random() - 0.5;
  return data;
}

type Timed = { candidate: Candidate; session: ort.InferenceSession; output: string; feeds: Record<string, ort.Tensor>; wall: number; cpu: number };

async function prepare(candidate: Candidate, shapes: Shapes, data: Record<'x' | 'dy' | 'w', Float32Array>): Promise<Timed> {
  const b = new OnnxGraphBuilder();
  const dims = { x: shapes.xShape, dy: shapes.yShape, w: shapes.wShape };
  for (const [name, d] of Object.entries(dims)) b.input(name, d);
  const output = candidate.emit(b, shapes.node, { x: 'x', dy: 'dy', weight: 'w', xShape: shapes.xShape, yShape: shapes.yShape, needInput: true, needWeight: true, needBias: false });
  b.output(output, candidate.grad === 'dx' ? shapes.xShape : candidate.grad === 'dw' ? shapes.wShape : shapes.yShape);
  // No spinning: on a shared machine a spinning thread waits for one that is descheduled, and CPU time stops
  // meaning work done.
  const session = await ort.InferenceSession.create(b.model('bench'), {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const feeds = Object.fromEntries(
    (['x', 'dy', 'w'] as const).filter((name) => session.inputNames.includes(name)).map((name) => [name, new ort.Tensor('float32', data[name], dims[name])]),
  );
  return { candidate, session, output, feeds, wall: Infinity, cpu: Infinity };
}

/** One run; keeps the best wall and CPU time (ms). */
async function runOnce(t: Timed): Promise<Float32Array> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const results = await t.session.run(t.feeds);
  t.wall = Math.min(t.wall, performance.now() - start);
  const cpu = process.cpuUsage(cpu0);
  t.cpu = Math.min(t.cpu, (cpu.user + cpu.system) / 1000);
  return results[t.output].data as Float32Array;
}

// Forward alone, then forward + backward of Σ y·dy (both gradients), best of `reps`, per layer.
const torchScript = `
import json, sys, time, torch
import torch.nn.functional as F
torch.set_num_threads(int(sys.argv[1]))
reps = int(sys.argv[2])
out = []
for l in json.load(sys.stdin):
    x = torch.randn(l['xShape']).requires_grad_(l['needInput'])
    w = torch.randn(l['wShape']).requires_grad_()
    dy = torch.randn(l['yShape'])
    args = dict(stride=l['stride'], padding=l['pad'], dilation=l['dilation'], groups=l['groups'])
    def best(f):
        f()
        t = c = float('inf')
        for _ in range(reps):
            s, sc = time.perf_counter(), time.process_time(); f()
            t, c = min(t, time.perf_counter() - s), min(c, time.process_time() - sc)
        return t * 1000, c * 1000
    def fwd():
        with torch.no_grad(): F.conv2d(x, w, **args)
    def both():
        F.conv2d(x, w, **args).backward(dy)
    (f, fc), (fb, fbc) = best(fwd), best(both)
    out.append({'forward': f, 'forwardCpu': fc, 'forwardBackward': fb, 'forwardBackwardCpu': fbc})
print(json.dumps(out))
`;

type TorchTimes = { forward: number; forwardCpu: number; forwardBackward: number; forwardBackwardCpu: number };

/** PyTorch on one layer, run right after the layer's ONNX rounds so that both see much the same load. */
function torchTimes(shapes: Shapes, needInput: boolean): TorchTimes | null {
  if (env.CONV_BENCH_TORCH === '0') return null;
  const request = [
    {
      xShape: shapes.xShape,
      wShape: shapes.wShape,
      yShape: shapes.yShape,
      stride: shapes.node.stride[0],
      pad: shapes.node.pad[0],
      dilation: shapes.node.dilation[0],
      groups: shapes.node.groups,
      needInput,
    },
  ];
  const result = spawnSync('/usr/bin/python3', ['-c', torchScript, String(threads), String(reps)], { input: JSON.stringify(request), encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`conv-grad bench: no PyTorch figures (${result.stderr.trim().split('\n').pop()})\n`);
    return null;
  }
  return JSON.parse(result.stdout)[0];
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let k = 0; k < b.length; k++) {
    diff += (a[k] - b[k]) ** 2;
    norm += b[k] ** 2;
  }
  return Math.sqrt(diff / norm);
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const gflops = (flop: number, ms: number) => Math.round((flop / ms / 1e6) * 10) / 10;

/** ours = forward Conv + chosen dw (+ chosen dx where the layer needs it), wall and CPU time, against torch's. */
function versusTorch(times: Record<string, { ms: number; cpuMs: number }>, t: TorchTimes, shapes: Shapes, needInput: boolean) {
  const pick = (name: string) => times[name] ?? { ms: NaN, cpuMs: NaN };
  const parts = [pick('Conv (forward)'), pick('chosen dw'), ...(needInput ? [pick('chosen dx')] : [])];
  const ours = { ms: parts.reduce((a, p) => a + p.ms, 0), cpuMs: parts.reduce((a, p) => a + p.cpuMs, 0) };
  return {
    torch: {
      forwardMs: round1(t.forward),
      forwardCpuMs: round1(t.forwardCpu),
      forwardBackwardMs: round1(t.forwardBackward),
      forwardBackwardCpuMs: round1(t.forwardBackwardCpu),
      gflops: gflops(shapes.flop * (needInput ? 3 : 2), t.forwardBackward),
    },
    oursForwardBackward: { ms: round1(ours.ms), cpuMs: round1(ours.cpuMs), gflops: gflops(shapes.flop * (needInput ? 3 : 2), ours.ms) },
    speedVsTorch: { wall: Math.round((t.forwardBackward / ours.ms) * 100) / 100, cpu: Math.round((t.forwardBackwardCpu / ours.cpuMs) * 100) / 100 },
  };
}

const results = [];
const all = sizes.flatMap((size) =>
  layers.filter((layer) => !keepLayers || keepLayers.has(layer.name)).map((layer) => ({ size, layer, shapes: layerShapes(layer, size), needInput: !layer.name.startsWith('stem') })),
);
const count = (dims: number[]) => dims.reduce((a, v) => a * v, 1);
for (const { size, layer, shapes, needInput } of all) {
  process.stderr.write(`conv-grad bench: ${size} ${layer.name}…\n`);
  const data = { x: random(count(shapes.xShape)), dy: random(count(shapes.yShape)), w: random(count(shapes.wShape)) };
  const chosen = candidates.filter((c) => (!keepCandidates || keepCandidates.has(c.name)) && c.applies(shapes.node));
  // Interleaved rounds give every candidate the same load; but each session keeps its peak memory, and at 512 an
  // im2col alone is 2.4 GB, so large layers run one candidate at a time.
  const im2colBytes = 4 * count(shapes.xShape) * shapes.node.kernel[0] * shapes.node.kernel[1];
  const groups = im2colBytes * chosen.length > MEMORY_FOR_INTERLEAVING ? chosen.map((c) => [c]) : [chosen];
  const reference = new Map<string, Float32Array>();
  const times: Record<string, { ms: number; cpuMs: number; gflops: number; relativeError?: number }> = {};
  for (const group of groups) {
    const timed: Timed[] = [];
    for (const candidate of group) timed.push(await prepare(candidate, shapes, data));
    // the first run of each is the check, against the first candidate of its kind
    const errors = new Map<Timed, number>();
    for (const t of timed) {
      const result = Float32Array.from(await runOnce(t));
      const first = reference.get(t.candidate.grad);
      if (first) errors.set(t, relativeError(result, first));
      else reference.set(t.candidate.grad, result);
      t.wall = t.cpu = Infinity;
    }
    for (let round = 0; round < reps; round++) for (const t of timed) await runOnce(t);
    for (const t of timed) {
      const error = errors.get(t);
      times[t.candidate.name] = {
        ms: round1(t.wall),
        cpuMs: round1(t.cpu),
        gflops: gflops(shapes.flop, t.wall),
        ...(error !== undefined ? { relativeError: Number(error.toPrecision(2)) } : {}),
      };
      await t.session.release();
    }
  }
  const result = { size, layer: layer.name, x: shapes.xShape, y: shapes.yShape, gflopPerPass: Math.round(shapes.flop / 1e7) / 100, onnx: times };
  const torch = torchTimes(shapes, needInput);
  results.push(torch ? { ...result, ...versusTorch(times, torch, shapes, needInput) } : result);
  process.stderr.write(`${JSON.stringify(results[results.length - 1])}\n`);
}

console.log(JSON.stringify({ threads, reps, results }, null, 1));
