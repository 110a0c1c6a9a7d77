// MaxPoolGrad as a loop: the wasm backend's own routes dy to the wrong cells (relative error 0.8 on a 2×2
// stride-2 pool, the light U-Net's; 3e-3 on a padded 3×3 stride-2 one, ResNet's), checked by finite differences.
// Each output's dy goes to the first cell (window row-major order) holding the window's maximum, padding never
// winning, as the CPU backend and PyTorch do.
import * as tf from '@tensorflow/tfjs';
import { loopKernel } from './js-kernel';

type PoolAttrs = {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

export const maxPoolGradient = loopKernel(
  ({ inputs }) => [...(inputs as { input: tf.TensorInfo }).input.shape],
  ({ inputs, attrs }, read, dx) => {
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const a = attrs as unknown as PoolAttrs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      a.filterSize,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight, outWidth, filterHeight, filterWidth } = info;
    const x = read(input);
    const g = read(dy);
    // Per output position, the running maximum and its cell for every channel at once (NHWC: channels inner).
    const best = new Float32Array(c);
    const at = new Int32Array(c);
    for (let n = 0; n < batchSize; n++) {
      for (let oy = 0; oy < outHeight; oy++) {
        const y0 = oy * info.strideHeight - info.padInfo.top;
        for (let ox = 0; ox < outWidth; ox++) {
          const x0 = ox * info.strideWidth - info.padInfo.left;
          best.fill(-Infinity);
          at.fill(-1);
          for (let ky = Math.max(0, -y0); ky < filterHeight && y0 + ky < h; ky++) {
            for (let kx = Math.max(0, -x0); kx < filterWidth && x0 + kx < w; kx++) {
              const cell = ((n * h + y0 + ky) * w + x0 + kx) * c;
              for (let ch = 0; ch < c; ch++) {
                if (x[cell + ch] > best[ch]) {
                  best[ch] = x[cell + ch];
                  at[ch] = cell + ch;
                }
              }
            }
          }
          const o = ((n * outHeight + oy) * outWidth + ox) * c;
          for (let ch = 0; ch < c; ch++) if (at[ch] >= 0) dx[at[ch]] += g[o + ch];
        }
      }
    }
  },
);
