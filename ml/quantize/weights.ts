// Convolution parameters in the types QLinearConv takes: weights int8 per output channel, symmetric; biases int32
// in the accumulator's scale.

export type QuantizedWeights = { values: Int8Array; scales: Float32Array };

/**
 * scale_c = max|w_c| / 127, q = round(w / scale_c) in [−127, 127], zero point 0. A channel of zeros gets scale 1
 * (onnxruntime refuses a scale of 0; any scale gives the same zeros).
 */
export function quantizeWeightsPerChannel(weights: Float32Array, outChannels: number): QuantizedWeights {
  if (!(outChannels > 0 && weights.length % outChannels === 0)) {
    throw new RangeError(`${weights.length} weights do not split into ${outChannels} output channels`);
  }
  const perChannel = weights.length / outChannels;
  const values = new Int8Array(weights.length);
  const scales = new Float32Array(outChannels);
  for (let c = 0; c < outChannels; c++) {
    let largest = 0;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) largest = Math.max(largest, Math.abs(weights[i]));
    scales[c] = largest > 0 ? largest / 127 : 1;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) values[i] = Math.max(-127, Math.min(127, Math.round(weights[i] / scales[c])));
  }
  return { values, scales };
}

const INT32_MAX = 2 ** 31 - 1;

/** b_c / (s_x · s_w[c]), rounded: the int32 bias QLinearConv adds to its accumulator, zero point 0. */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): { values: Int32Array; scales: Float32Array } {
  if (bias.length !== weightScales.length) throw new RangeError(`${bias.length} biases for ${weightScales.length} weight channels`);
  const scales = weightScales.map((s) => inputScale * s);
  const values = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) values[c] = Math.max(-INT32_MAX, Math.min(INT32_MAX, Math.round(bias[c] / scales[c])));
  return { values, scales };
}
