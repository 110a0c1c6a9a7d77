// The 1st-place solution's two selim-zoo U-Nets. Encoder tensors are named by the zoo's `encoder_stages` list:
// stage 0 = stem (conv, BN, ReLU), stage 1 = Sequential(pool, layer1), stages 2–4 = layer2–layer4.
import { assembleGraph, renameByPrefix } from '../../assemble';
import { getEncoder } from '../../encoders';
import type { ModelDefinition } from '../../types';
import { selimUnetDecoder, type SelimDecoderOptions } from './decoder';

const LATER_STAGES = [
  ['layer1', 'encoder_stages.1.1'],
  ['layer2', 'encoder_stages.2'],
  ['layer3', 'encoder_stages.3'],
  ['layer4', 'encoder_stages.4'],
] as const;

function selimModel(
  arch: 'resnet50unet' | 'scseunet',
  encoderName: string,
  stemNames: readonly (readonly [string, string])[],
  decoder: SelimDecoderOptions,
  normalization: 'none' | 'imagenet',
): ModelDefinition {
  const encoder = getEncoder(encoderName);
  const graph = assembleGraph({
    encoder,
    encoderOptions: { names: renameByPrefix([...stemNames, ...LATER_STAGES]) },
    decode: (b, features) => selimUnetDecoder(b, features, decoder),
    segmentationHead: (b, x) => b.conv2d(x, 'final.0', { out: 1, kernel: 1 }),
  });
  return {
    graph,
    metadata: {
      arch,
      encoder: encoder.name,
      normalization,
      inputChannels: 3,
      inputMultiple: 32,
      outputNames: ['logits'],
      encoderBatchNorm: 'train',
      options: {
        decoderFilters: decoder.filters.join(','),
        lastUpsample: decoder.lastUpsample,
        bottleneck: decoder.bottleneck,
      },
    },
  };
}

/** ResNet50 U-Net: decoder filters [64, 128, 256, 256], last upsample 64, ImageNet normalisation. */
export function resnet50unet(): ModelDefinition {
  return selimModel(
    'resnet50unet',
    'resnet50',
    [
      ['conv1', 'encoder_stages.0.0'],
      ['bn1', 'encoder_stages.0.1'],
    ],
    { filters: [64, 128, 256, 256], lastUpsample: 64, bottleneck: 'conv' },
    'imagenet',
  );
}

/**
 * SCSE U-Net on SE-ResNeXt50 (32x4d): decoder filters [64, 128, 256, 384]; the zoo gives no `last_upsample` for
 * this encoder, so it defaults to decoder_filters[0] // 2 = 32. No mean/std normalisation (science.md).
 */
export function scseunet(): ModelDefinition {
  return selimModel(
    'scseunet',
    'se_resnext50_32x4d',
    [['layer0', 'encoder_stages.0']],
    { filters: [64, 128, 256, 384], lastUpsample: 32, bottleneck: 'scse' },
    'none',
  );
}
