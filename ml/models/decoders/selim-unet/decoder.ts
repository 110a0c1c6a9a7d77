// The U-Net decoder of selim_sef's zoo as vendored by the 1st-place solution (selim_zoo/unet.py
// EncoderDecoder), under its module names: `decoder_stages.<s>.layer.1`, `bottlenecks.<i>.seq.0`, `last_upsample`.
import { scseMaxout } from '../../attention';
import type { GraphBuilder, Value } from '../../builder';

export type SelimDecoderOptions = {
  /** `decoder_filters`, shallowest first ([64, 128, 256, 256] for ResNet50, [64, 128, 256, 384] for SE-ResNeXt50) */
  filters: readonly number[];
  /** `last_upsample` filters */
  lastUpsample: number;
  /** 'conv': ConvBottleneck; 'scse': ConvSCSEBottleneckNoBn (Conv+ReLU+SCSE maxout, reduction 2) */
  bottleneck: 'conv' | 'scse';
};

/** UnetDecoderBlock: nearest x2 (nn.Upsample default) → 3x3 conv with bias → ReLU. */
function upsampleConvRelu(b: GraphBuilder, x: Value, path: string, out: number): Value {
  return b.relu(b.conv2d(b.upsample(x, 'nearest'), `${path}.layer.1`, { out, kernel: 3, pad: 1 }));
}

/**
 * From the deepest feature up: stage s = decoder_stages[s] (upsample, conv to filters[s]) then bottleneck
 * (concat the skip at that scale, conv to filters[s]); the stages run s = 3 … 0 while bottlenecks run 0 … 3.
 * The encoder's first stage has stride 2, so a last upsampling block restores the input size.
 */
export function selimUnetDecoder(b: GraphBuilder, features: readonly Value[], o: SelimDecoderOptions): Value {
  const stages = features.slice(1);
  const depth = o.filters.length;
  let x = stages[depth];
  for (let i = 0; i < depth; i++) {
    const s = depth - 1 - i;
    x = upsampleConvRelu(b, x, `decoder_stages.${s}`, o.filters[s]);
    const merged = b.concat([x, stages[s]]);
    x = b.relu(b.conv2d(merged, `bottlenecks.${i}.seq.0`, { out: o.filters[s], kernel: 3, pad: 1 }));
    if (o.bottleneck === 'scse') x = scseMaxout(b, x, `bottlenecks.${i}.seq.2`, 2);
  }
  return upsampleConvRelu(b, x, 'last_upsample', o.lastUpsample);
}
