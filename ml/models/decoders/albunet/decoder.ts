// AlbuNet's decoder (ternausnets DecoderBlockV2 with is_deconv=False), module names as in the state_dict.
import type { GraphBuilder, Value } from '../../builder';

/** ternausnets ConvRelu: 3x3 conv with bias (`<path>.conv`), ReLU. */
function convRelu(b: GraphBuilder, x: Value, path: string, out: number): Value {
  return b.relu(b.conv2d(x, `${path}.conv`, { out, kernel: 3, pad: 1 }));
}

/** Bilinear x2 (align_corners false) → ConvRelu (in → mid) → ConvRelu (mid → out); index 0 is the upsampling. */
function decoderBlock(b: GraphBuilder, x: Value, path: string, mid: number, out: number): Value {
  const up = b.upsample(x, 'bilinear');
  return convRelu(b, convRelu(b, up, `${path}.block.1`, mid), `${path}.block.2`, out);
}

/**
 * science.md: center = 2x2 max pool of conv5 then a block (512 → 16nf → 8nf); dec5..dec2 concatenate the skip;
 * dec1 has none; dec0 = ConvRelu(nf → nf). Skips are the encoder's 1/4 … 1/32 features (layer1..layer4).
 */
export function albunetDecoder(b: GraphBuilder, features: readonly Value[], nf: number): Value {
  const [, , conv2, conv3, conv4, conv5] = features;
  const center = decoderBlock(b, b.maxPool(conv5, { kernel: 2, stride: 2 }), 'center', 16 * nf, 8 * nf);
  const dec5 = decoderBlock(b, b.concat([center, conv5]), 'dec5', 16 * nf, 8 * nf);
  const dec4 = decoderBlock(b, b.concat([dec5, conv4]), 'dec4', 16 * nf, 8 * nf);
  const dec3 = decoderBlock(b, b.concat([dec4, conv3]), 'dec3', 8 * nf, 2 * nf);
  const dec2 = decoderBlock(b, b.concat([dec3, conv2]), 'dec2', 4 * nf, 4 * nf);
  const dec1 = decoderBlock(b, dec2, 'dec1', 4 * nf, nf);
  return convRelu(b, dec1, 'dec0', nf);
}
