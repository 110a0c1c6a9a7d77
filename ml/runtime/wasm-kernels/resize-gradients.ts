// Gradients of the two upsamplings, as loops that follow the forward kernels' sampling exactly (TF.js's CPU
// forward, which the wasm one matches). Both backends' own are wrong for what the models use, checked by finite
// differences: ResizeBilinearGrad ignores halfPixelCenters on CPU and wasm (relative error 0.5 on a ×2 upsample)
// and the CPU one returns [n, w, h, c]; the CPU ResizeNearestNeighborGrad spreads dy over the wrong cells without
// half-pixel centres (error 1.2), the wasm one gets it right but is replaced too so both backends share one rule.
import * as tf from '@tensorflow/tfjs';
import { loopKernel } from './js-kernel';

type ResizeAttrs = { alignCorners: boolean; halfPixelCenters?: boolean };

function sizeRatio(inSize: number, outSize: number, a: ResizeAttrs): number {
  return a.alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** Where bilinear output row/column `i` samples its source. */
function bilinearSource(i: number, inSize: number, outSize: number, a: ResizeAttrs): number {
  const ratio = sizeRatio(inSize, outSize, a);
  return a.halfPixelCenters ? ratio * (i + 0.5) - 0.5 : ratio * i;
}

type ResizeDims = { n: number; h: number; w: number; c: number; oh: number; ow: number };

/** A resize gradient: `body` adds dy (`g`, [n, oh, ow, c]) into dx ([n, h, w, c]). */
function resizeGradient(body: (d: ResizeDims, a: ResizeAttrs, g: Float32Array, dx: Float32Array) => void): tf.KernelFunc {
  return loopKernel(
    ({ inputs }) => [...(inputs as { images: tf.TensorInfo }).images.shape],
    ({ inputs, attrs }, read, dx) => {
      const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
      const [n, h, w, c] = images.shape;
      const [, oh, ow] = dy.shape;
      body({ n, h, w, c, oh, ow }, attrs as unknown as ResizeAttrs, read(dy), dx);
    },
  );
}

export const resizeBilinearGradient = resizeGradient(({ n, h, w, c, oh, ow }, a, g, dx) => {
  // Per output column: left/right source columns and the right one's weight (the forward's lerp, unclamped frac).
  const left = new Int32Array(ow);
  const right = new Int32Array(ow);
  const colFrac = new Float64Array(ow);
  for (let ox = 0; ox < ow; ox++) {
    const src = bilinearSource(ox, w, ow, a);
    left[ox] = Math.max(0, Math.floor(src));
    right[ox] = Math.min(w - 1, Math.ceil(src));
    colFrac[ox] = src - left[ox];
  }
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const src = bilinearSource(oy, h, oh, a);
      const top = Math.max(0, Math.floor(src));
      const bottom = Math.min(h - 1, Math.ceil(src));
      const rowFrac = src - top;
      const topRow = (b * h + top) * w;
      const bottomRow = (b * h + bottom) * w;
      for (let ox = 0; ox < ow; ox++) {
        const cf = colFrac[ox];
        const wTL = (1 - rowFrac) * (1 - cf);
        const wTR = (1 - rowFrac) * cf;
        const wBL = rowFrac * (1 - cf);
        const wBR = rowFrac * cf;
        const tl = (topRow + left[ox]) * c;
        const tr = (topRow + right[ox]) * c;
        const bl = (bottomRow + left[ox]) * c;
        const br = (bottomRow + right[ox]) * c;
        for (let ch = 0; ch < c; ch++, o++) {
          const v = g[o];
          dx[tl + ch] += v * wTL;
          dx[tr + ch] += v * wTR;
          dx[bl + ch] += v * wBL;
          dx[br + ch] += v * wBR;
        }
      }
    }
  }
});

export const resizeNearestNeighborGradient = resizeGradient(({ n, h, w, c, oh, ow }, a, g, dx) => {
  // The forward's pick: round with aligned corners, else floor; half-pixel centres (no −0.5 here) clamp at 0.
  const nearest = (i: number, inSize: number, outSize: number) => {
    const src = sizeRatio(inSize, outSize, a) * (a.halfPixelCenters ? i + 0.5 : i);
    const picked = Math.min(inSize - 1, a.alignCorners ? Math.round(src) : Math.floor(src));
    return a.halfPixelCenters ? Math.max(0, picked) : picked;
  };
  const cols = Int32Array.from({ length: ow }, (_, ox) => nearest(ox, w, ow));
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const row = (b * h + nearest(oy, h, oh)) * w;
      for (let ox = 0; ox < ow; ox++) {
        const cell = (row + cols[ox]) * c;
        for (let ch = 0; ch < c; ch++, o++) dx[cell + ch] += g[o];
      }
    }
  }
});
