// The 3rd place's U-Net with CBAM attention in the decoder, on ResNet34 or SE-ResNeXt50, smp state_dict names:
// `encoder.*` (torchvision / Cadene names, no ImageNet classifier), `decoder.blocks.*`, `segmentation_head.0.*`.
// No classification head: the 3rd place judged pixel labels enough (science.md).
import { z } from 'zod';
import { assembleGraph } from '../../assemble';
import { getEncoder } from '../../encoders';
import type { ModelDefinition } from '../../types';
import { cbamUnetDecoder } from './decoder';

const CbamUnetOptions = z.object({ encoder: z.enum(['resnet34', 'se_resnext50_32x4d']).default('resnet34') }).strict();
export type CbamUnetOptions = z.input<typeof CbamUnetOptions>;

export function cbamUnet(options: CbamUnetOptions = {}): ModelDefinition {
  const parsed = CbamUnetOptions.safeParse(options);
  if (!parsed.success) throw new Error(`invalid cbam-unet options ${JSON.stringify(options)}: ${z.prettifyError(parsed.error)}`);
  const encoder = getEncoder(parsed.data.encoder);
  const graph = assembleGraph({
    encoder,
    encoderOptions: { names: (path) => `encoder.${path}` },
    decode: cbamUnetDecoder,
    // smp's SegmentationHead: a 3x3 conv (padding 1) to one channel.
    segmentationHead: (b, x) => b.conv2d(x, 'segmentation_head.0', { out: 1, kernel: 3, pad: 1 }),
  });
  return {
    graph,
    metadata: {
      arch: 'cbam-unet',
      encoder: encoder.name,
      // science.md is silent; smp feeds ImageNet-pretrained encoders ImageNet-normalised input.
      normalization: 'imagenet',
      inputChannels: 3,
      inputMultiple: 32,
      outputNames: ['logits'],
      encoderBatchNorm: 'train',
      options: { encoder: encoder.name },
    },
  };
}
