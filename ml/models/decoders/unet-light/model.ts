// unet-light: the plain encoder with smp's U-Net decoder (narrower channels), about 2 M parameters — a model that
// trains from scratch on two CPU cores (the bundled demonstration model). No ImageNet weights, so no ImageNet
// normalisation: input is the 8-bit image / 255.
import { GraphBuilder } from '../../builder';
import type { ModelDefinition } from '../../types';
import { unetDecoder } from '../unet/decoder';
import { PLAIN_ENCODER_CHANNELS, plainEncoder } from './encoder';

export const LIGHT_DECODER_CHANNELS = [128, 64, 32, 16, 16] as const;

export type UnetLightOptions = Record<string, never>;

export function unetLight(_options: UnetLightOptions = {}): ModelDefinition {
  const b = new GraphBuilder();
  const image = b.input('image', 3);
  const features = b.inPart('encoder', () => plainEncoder(b, image, PLAIN_ENCODER_CHANNELS));
  const decoded = b.inPart('decoder', () => unetDecoder(b, features, LIGHT_DECODER_CHANNELS));
  b.output('logits', b.inPart('head', () => b.conv2d(decoded, 'segmentation_head.0', { out: 1, kernel: 3, pad: 1 })), 'map');
  return {
    graph: b.build(),
    metadata: {
      arch: 'unet-light',
      encoder: 'plain',
      normalization: 'none',
      inputChannels: 3,
      inputMultiple: 32,
      outputNames: ['logits'],
      encoderBatchNorm: 'train',
      options: {},
    },
  };
}
