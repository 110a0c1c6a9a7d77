// Convolution gradients as forward convolutions on the wasm backend (XNNPACK), the route environment.md measured
// at about half the forward convolution's speed, against a twentieth for im2col + matMul.
//
// Filter gradient: dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s + kh·d − pad, …, ci] · dy[n, oh, ow, co] is a forward
// convolution of x with the batch and channel axes swapped ([ci, h, w, n]) by dy used as the filter
// ([oh, ow, n, co]), whose stride is the layer's dilation and whose dilation is the layer's stride.
// Input gradient: a stride-1 convolution of dy, with zeros inserted between its samples, by the flipped filter.
import * as tf from '@tensorflow/tfjs';
import { composedKernel, type Composer } from './compose';

type Pair = [number, number];
type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
type ConvAttrs = {
  strides: number | Pair;
  pad: tf.backend_util.ExplicitPadding | 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | Pair;
  filterShape: [number, number, number, number];
};

export const convolutionFilterGradient = composedKernel('wasm', ({ inputs, attrs }, k) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as ConvAttrs & { dataFormat?: 'NHWC' | 'NCHW' };
  if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  const info = convInfo(x, a, false);
  const cropped = cropForFilterGradient(k, x, info);
  const xSwapped = k.run('Transpose', { x: cropped.x }, { perm: [3, 1, 2, 0] }); // [ci, h, w, n]
  const dySwapped = k.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, n, co]
  const byChannel = k.run('Conv2D', { x: xSwapped, filter: dySwapped }, swappedConvAttrs(info, cropped.pads)); // [ci, kh, kw, co]
  return k.run('Transpose', { x: byChannel }, { perm: [1, 2, 0, 3] });
});

export const depthwiseFilterGradient = composedKernel('wasm', ({ inputs, attrs }, k) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as ConvAttrs;
  const info = convInfo(x, a, true);
  const [n, , , c] = x.shape;
  const [kh, kw, , m] = a.filterShape;
  const cropped = cropForFilterGradient(k, x, info);
  const [h, w] = cropped.x.shape.slice(1);
  // The batch folds into the depthwise channels (channel n·c + ci), so each (image, channel) pair correlates
  // with its own dy plane; the images are summed afterwards.
  const xFolded = k.run('Reshape', { x: k.run('Transpose', { x: cropped.x }, { perm: [1, 2, 0, 3] }) }, { shape: [1, h, w, n * c] });
  const dyT = k.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, n, c·m]
  const dyFilter = k.run('Reshape', { x: dyT }, { shape: [info.outHeight, info.outWidth, n * c, m] });
  const perImage = k.run('DepthwiseConv2dNative', { x: xFolded, filter: dyFilter }, swappedConvAttrs(info, cropped.pads));
  const split = k.run('Reshape', { x: perImage }, { shape: [kh, kw, n, c * m] });
  const summed = k.run('Sum', { x: split }, { axis: [2], keepDims: false });
  return k.run('Reshape', { x: summed }, { shape: [kh, kw, c, m] });
});

export const depthwiseInputGradient = composedKernel('wasm', ({ inputs, attrs }, k) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = attrs as unknown as Omit<ConvAttrs, 'filterShape'> & { inputShape: [number, number, number, number] };
  const info = convInfo({ shape: a.inputShape }, { ...a, filterShape: filter.shape as ConvAttrs['filterShape'] }, true);
  const [n, h, w, c] = a.inputShape;
  const [kh, kw, , m] = filter.shape;
  // Each of the c·m output channels correlates alone with its own flipped filter plane; the multipliers of an
  // input channel are summed afterwards.
  const perOutput = k.run('Reshape', { x: flipSpatially(k, filter) }, { shape: [kh, kw, c * m, 1] });
  const perMultiplier = transposedConvolution(k, dy, perOutput, info, 'DepthwiseConv2dNative'); // [n, h, w, c·m]
  if (m === 1) return perMultiplier;
  const split = k.run('Reshape', { x: perMultiplier }, { shape: [n, h, w, c, m] });
  return k.run('Sum', { x: split }, { axis: [4], keepDims: false });
});

/**
 * In place of the wasm backend's own Conv2DBackpropInput, a plain loop that took 56% of an AlbuNet training step
 * at 64×64 (8× a forward convolution at 32×32, 64 channels): an XNNPACK forward convolution. That one pays for
 * rearranging and packing the filter on every call, so `native` keeps the maps with few positions
 * (batch × height × width), where the filter is big and the arithmetic little.
 */
export function convolutionInputGradient(native: tf.KernelFunc): tf.KernelFunc {
  const composed = composedKernel('wasm', ({ inputs, attrs }, k) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as InputGradientAttrs;
    const info = convInfo({ shape: a.inputShape }, { ...a, filterShape: filter.shape as ConvAttrs['filterShape'] }, false);
    // [kh, kw, in, out] read from out to in, then flipped in space.
    const outToIn = k.run('Transpose', { x: filter }, { perm: [0, 1, 3, 2] });
    return transposedConvolution(k, dy, flipSpatially(k, outToIn), info, 'Conv2D');
  });
  return (args) => {
    const a = args.attrs as unknown as InputGradientAttrs;
    if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput on wasm supports NHWC only');
    const [n, h, w] = a.inputShape;
    return n * h * w < FEW_POSITIONS ? native(args) : composed(args);
  };
}

/** Measured crossover: at 2×2×2 positions × 512² channels the loop takes 18 ms, the convolution route 330 ms. */
const FEW_POSITIONS = 128;

type InputGradientAttrs = Omit<ConvAttrs, 'filterShape'> & { inputShape: [number, number, number, number]; dataFormat?: string };

/** filter[kh, kw, …] → filter[KH−1−kh, KW−1−kw, …], as one gather of whole taps (the Reverse kernel is 10× slower). */
function flipSpatially(k: Composer, filter: tf.TensorInfo): tf.TensorInfo {
  const [kh, kw, ...rest] = filter.shape;
  const taps = k.run('Reshape', { x: filter }, { shape: [kh * kw, rest.reduce((a, b) => a * b, 1)] });
  const reversed = k.int32(Array.from({ length: kh * kw }, (_, i) => kh * kw - 1 - i));
  const flipped = k.run('GatherV2', { x: taps, indices: reversed }, { axis: 0, batchDims: 0 });
  return k.run('Reshape', { x: flipped }, { shape: filter.shape });
}

/**
 * dx[h] = Σ_kh dyDilated[h + padTop − kh·d]·W[kh]: a stride-1 correlation of dy, with zeros where a strided layer
 * skipped positions, by the flipped filter, padded so the output is exactly the layer's input size.
 */
function transposedConvolution(
  k: Composer,
  dy: tf.TensorInfo,
  flippedFilter: tf.TensorInfo,
  info: ConvInfo,
  kernelName: 'Conv2D' | 'DepthwiseConv2dNative',
): tf.TensorInfo {
  const dilatedDy = insertZeros(k, dy, info.strideHeight, info.strideWidth);
  const rows = fullPadding(dilatedDy.shape[1], info.inHeight, info.effectiveFilterHeight, info.padInfo.top);
  const cols = fullPadding(dilatedDy.shape[2], info.inWidth, info.effectiveFilterWidth, info.padInfo.left);
  return k.run(
    kernelName,
    { x: cropEnds(k, dilatedDy, rows.crop, cols.crop), filter: flippedFilter },
    { strides: [1, 1], dilations: [info.dilationHeight, info.dilationWidth], pad: explicit(rows.pad, cols.pad), dataFormat: 'NHWC' },
  );
}

function convInfo(x: { shape: number[] }, a: ConvAttrs, depthwise: boolean): ConvInfo {
  return tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    depthwise,
  );
}

/**
 * The swapped convolution's output must be exactly kh × kw: its bottom/right padding is what makes it so, and
 * where that would be negative (rows the layer never read, e.g. a stride-2 1×1 convolution on an even size) the
 * input loses those rows instead.
 */
function cropForFilterGradient(k: Composer, x: tf.TensorInfo, info: ConvInfo): { x: tf.TensorInfo; pads: [Pair, Pair] } {
  const need = (out: number, stride: number, filter: number, dilation: number, size: number, before: number) =>
    (filter - 1) * dilation + (out - 1) * stride + 1 - size - before;
  const bottom = need(info.outHeight, info.strideHeight, info.filterHeight, info.dilationHeight, info.inHeight, info.padInfo.top);
  const right = need(info.outWidth, info.strideWidth, info.filterWidth, info.dilationWidth, info.inWidth, info.padInfo.left);
  return {
    x: cropEnds(k, x, Math.max(0, -bottom), Math.max(0, -right)),
    pads: [
      [info.padInfo.top, Math.max(0, bottom)],
      [info.padInfo.left, Math.max(0, right)],
    ],
  };
}

function swappedConvAttrs(info: ConvInfo, [rows, cols]: [Pair, Pair]): tf.NamedAttrMap {
  return {
    strides: [info.dilationHeight, info.dilationWidth],
    dilations: [info.strideHeight, info.strideWidth],
    pad: explicit(rows, cols),
    dataFormat: 'NHWC',
  };
}

/** Padding [before, after] that makes a stride-1 correlation of `size` samples give `out` samples. */
function fullPadding(size: number, out: number, effectiveFilter: number, layerPadBefore: number): { pad: Pair; crop: number } {
  const before = effectiveFilter - 1 - layerPadBefore;
  if (before < 0) throw new Error(`input gradient: padding ${layerPadBefore} wider than the filter`);
  const after = out - 1 + effectiveFilter - size - before;
  return { pad: [before, Math.max(0, after)], crop: Math.max(0, -after) };
}

function explicit(rows: Pair, cols: Pair): tf.backend_util.ExplicitPadding {
  return [[0, 0], rows, cols, [0, 0]];
}

/** Drops the last `rows` rows and `cols` columns of an NHWC tensor. */
function cropEnds(k: Composer, x: tf.TensorInfo, rows: number, cols: number): tf.TensorInfo {
  if (rows === 0 && cols === 0) return x;
  const [n, h, w, c] = x.shape;
  return k.run('Slice', { x }, { begin: [0, 0, 0, 0], size: [n, h - rows, w - cols, c] });
}

/** [n, h, w, c] → [n, h·sh, w·sw, c] with each sample followed by zeros (a strided layer's output positions). */
function insertZeros(k: Composer, x: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const spread = k.run('Reshape', { x }, { shape: [n, h, 1, w, 1, c] });
  const padded = k.run('PadV2', { x: spread }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  return k.run('Reshape', { x: padded }, { shape: [n, h * sh, w * sw, c] });
}
