// The 5th place's decoder: an ASPP block on the 1/32 features, then smp's U-Net decoder blocks on its output. ASPP
// follows torchvision's DeepLabV3 `ASPP` module and its names: `decoder.aspp.convs.<i>.*`, `decoder.aspp.project.*`.
import { convBnRelu, type GraphBuilder, type Value } from '../../builder';
import { SMP_DECODER_CHANNELS, unetDecoder } from '../unet/decoder';

/**
 * DeepLabV3's rates 6/12/18 hold at output stride 16; the U-Net's bottleneck is at stride 32, so the same field of
 * view in input pixels takes half the rates. At 512x512 the 1/32 map is 16x16, where rate 18 would read mostly
 * padding.
 */
export const ASPP_RATES = [3, 6, 9] as const;
export const ASPP_CHANNELS = 256;

/**
 * Five branches of `channels` each, concatenated and projected back to `channels` by a 1x1 conv, BN, ReLU:
 * convs.0 a 1x1 conv; convs.1–3 3x3 convs dilated by `rates` (padding = rate keeps the size); convs.4 image pooling
 * (global average → 1x1 conv → BN → ReLU, spread over the map: torchvision upsamples its 1x1 map bilinearly, which
 * from one pixel is a copy). Every conv is bias-free and followed by BN and ReLU. torchvision's Dropout(0.5) after
 * the projection is left out (identity at inference; the training code may add its own).
 */
export function aspp(b: GraphBuilder, x: Value, module: string, rates: readonly number[], channels: number): Value {
  const unit = (v: Value, path: string, conv: string, bn: string, kernel: number, rate = 1) =>
    convBnRelu(b, v, `${path}.${conv}`, `${path}.${bn}`, { out: channels, kernel, pad: kernel === 1 ? 0 : rate, dilation: rate, bias: false });
  const branches = [unit(x, `${module}.convs.0`, '0', '1', 1)];
  rates.forEach((rate, i) => branches.push(unit(x, `${module}.convs.${i + 1}`, '0', '1', 3, rate)));
  const pooled = unit(b.globalAvgPool(x), `${module}.convs.${rates.length + 1}`, '1', '2', 1);
  branches.push(b.expandSpatial(pooled, x));
  return unit(b.concat(branches), `${module}.project`, '0', '1', 1);
}

/** Returns the decoder's last map and the ASPP output (the second classifier reads it). */
export function asppUnetDecoder(b: GraphBuilder, features: readonly Value[]): { decoded: Value; bottleneck: Value } {
  const bottleneck = aspp(b, features[features.length - 1], 'decoder.aspp', ASPP_RATES, ASPP_CHANNELS);
  const decoded = unetDecoder(b, [...features.slice(0, -1), bottleneck], SMP_DECODER_CHANNELS);
  return { decoded, bottleneck };
}
