// A plain U-Net encoder (no residuals, no pretrained weights): five levels of (3x3 conv, BN, ReLU) twice, each
// entered at half the previous resolution, so it meets the encoder contract ([input, 1/2 … 1/32]) with few
// parameters. Level 1 halves with a stride-2 convolution instead of max-pooling the raw image.
import { convBnRelu, type GraphBuilder, type Value } from '../../builder';

export const PLAIN_ENCODER_CHANNELS = [16, 32, 64, 128, 256] as const;

/** Features [input, 1/2, 1/4, 1/8, 1/16, 1/32] under `encoder.blocks.<k>.conv{1,2}.{0,1}` (conv, BN). */
export function plainEncoder(b: GraphBuilder, image: Value, channels: readonly number[]): Value[] {
  const features = [image];
  let x = image;
  channels.forEach((out, k) => {
    const path = `encoder.blocks.${k}`;
    if (k > 0) x = b.maxPool(x, { kernel: 2, stride: 2 });
    x = convBnRelu(b, x, `${path}.conv1.0`, `${path}.conv1.1`, { out, kernel: 3, stride: k === 0 ? 2 : 1, pad: 1, bias: false });
    x = convBnRelu(b, x, `${path}.conv2.0`, `${path}.conv2.1`, { out, kernel: 3, pad: 1, bias: false });
    features.push(x);
  });
  return features;
}
