// Dead kernel taps (ml/runtime/atrous-conv.ts liveTaps): which taps of a stride-1 convolution ever read the input,
// by hand, and the trimmed convolution against the whole one in TF.js — same values, same input and filter
// gradients (zero on the dropped taps).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pads, Pair } from '../../../ml/models';
import { atrousConv, liveTaps } from '../../../ml/runtime/atrous-conv';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('liveTaps', () => {
  it("keeps only the centre of DeepLab's rate-36 ASPP branch on a 4x4 map", () => {
    // out = 4 + 72 − 72 = 4; tap 0 reads rows −36…−33, tap 1 rows 0…3, tap 2 rows 36…39
    expect(liveTaps([3, 3], [36, 36], [36, 36, 36, 36], [4, 4])).toEqual({ first: [1, 1], count: [1, 1], pads: [0, 0, 0, 0] });
  });

  it('trims each axis on its own, with the pads that keep the output in place', () => {
    // rows: out = 3 + 8 − 8 = 3; taps 0 and 1 read −8…−6 and −4…−2, tap 2 reads 0…2. Columns: all three read cells.
    expect(liveTaps([3, 3], [4, 4], [8, 4, 0, 4], [3, 5])).toEqual({ first: [2, 0], count: [1, 3], pads: [0, 4, 0, 4] });
    // a 3x3 at dilation 1 on a 1x1 map: only the centre
    expect(liveTaps([3, 3], [1, 1], [1, 1, 1, 1], [1, 1])).toEqual({ first: [1, 1], count: [1, 1], pads: [0, 0, 0, 0] });
  });

  it('is null when every tap reads the input', () => {
    expect(liveTaps([3, 3], [2, 2], [2, 2, 2, 2], [8, 8])).toBeNull();
    expect(liveTaps([1, 1], [1, 1], [0, 0, 0, 0], [4, 4])).toBeNull();
  });
});

describe('a trimmed convolution', () => {
  const cases: { name: string; kernel: Pair; dilation: Pair; pads: Pads; input: Pair }[] = [
    { name: 'rate 36 on 4x4', kernel: [3, 3], dilation: [36, 36], pads: [36, 36, 36, 36], input: [4, 4] },
    { name: 'rows trimmed, columns whole', kernel: [3, 3], dilation: [4, 4], pads: [8, 4, 0, 4], input: [3, 5] },
  ];
  for (const { name, kernel, dilation, pads, input } of cases) {
    it(`gives the whole one's values and gradients: ${name}`, () => {
      const live = liveTaps(kernel, dilation, pads, input)!;
      const x = tf.randomNormal([2, input[0], input[1], 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([kernel[0], kernel[1], 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
      const whole = (xi: tf.Tensor4D, wi: tf.Tensor4D) => atrousConv(xi, kernel, dilation, pads, (phases) => tf.conv2d(phases, wi, 1, 'valid'));
      const trimmed = (xi: tf.Tensor4D, wi: tf.Tensor4D) => {
        const kept = tf.slice(wi, [live.first[0], live.first[1], 0, 0], [live.count[0], live.count[1], -1, -1]) as tf.Tensor4D;
        const d: Pair = [live.count[0] === 1 ? 1 : dilation[0], live.count[1] === 1 ? 1 : dilation[1]];
        return atrousConv(xi, live.count, d, live.pads, (phases) => tf.conv2d(phases, kept, 1, 'valid'));
      };
      const weights = tf.randomNormal(whole(x, w).shape, 0, 1, 'float32', 3);
      const grads = (f: typeof whole) => tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.mul(f(xi as tf.Tensor4D, wi as tf.Tensor4D), weights)))([x, w]);
      const a = whole(x, w);
      const b = trimmed(x, w);
      expect(b.shape).toEqual(a.shape);
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
      const [gxA, gwA] = grads(whole);
      const [gxB, gwB] = grads(trimmed);
      expect(tf.max(tf.abs(tf.sub(gxA, gxB))).dataSync()[0]).toBeLessThan(1e-5);
      expect(tf.max(tf.abs(tf.sub(gwA, gwB))).dataSync()[0]).toBeLessThan(1e-5);
      // the dropped taps' gradient is zero in the whole convolution too: they only ever multiplied padding
      expect(tf.max(tf.abs(gwA)).dataSync()[0]).toBeGreaterThan(0);
    });
  }
});
