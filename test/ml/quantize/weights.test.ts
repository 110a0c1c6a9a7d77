import { describe, expect, it } from 'vitest';
import { quantizeBias, quantizeWeightsPerChannel } from '../../../ml/quantize/weights';

describe('quantizeWeightsPerChannel', () => {
  it('int8 symmetric per output channel: scale max|w|/127, a channel of zeros scale 1', () => {
    const { values, scales } = quantizeWeightsPerChannel(Float32Array.of(1, -0.4, 0.25, 0, 0, 0, 0, 0, -2, 0.5, 0, 1), 3);
    expect([...scales]).toEqual([Math.fround(1 / 127), 1, Math.fround(2 / 127)]);
    // −0.4·127 = −50.8, 0.25·127 = 31.75, 0.5·63.5 = 31.75
    expect([...values]).toEqual([127, -51, 32, 0, 0, 0, 0, 0, -127, 32, 0, 64]);
  });

  it('refuses weights that do not split into the channels', () => {
    expect(() => quantizeWeightsPerChannel(new Float32Array(5), 2)).toThrow(/do not split/);
  });
});

describe('quantizeBias', () => {
  it('int32 in the scale s_x·s_w[c]', () => {
    const { values, scales } = quantizeBias(Float32Array.of(0.5, -1), 0.1, Float32Array.of(0.01, 2));
    expect([...scales]).toEqual([Math.fround(0.1 * Math.fround(0.01)), Math.fround(0.1 * 2)]);
    expect([...values]).toEqual([500, -5]);
  });
});
