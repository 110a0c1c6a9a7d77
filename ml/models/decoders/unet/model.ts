// U-Net ResNet34 with a classification head (4th place's model, smp's light decoder), smp state_dict names:
// `encoder.*` (torchvision names, no fc), `decoder.blocks.*`, `segmentation_head.0.*`, `classification_head.3.*`.
import { assembleGraph } from '../../assemble';
import { getEncoder } from '../../encoders';
import type { ModelDefinition } from '../../types';
import { SMP_DECODER_CHANNELS, unetDecoder } from './decoder';

export type Unet34ClsOptions = {
  /** 4th place trained the backbone with frozen BatchNorm; the default */
  frozenBatchNorm?: boolean;
};

export function unet34cls(options: Unet34ClsOptions = {}): ModelDefinition {
  const frozenBatchNorm = options.frozenBatchNorm ?? true;
  const encoder = getEncoder('resnet34');
  const graph = assembleGraph({
    encoder,
    encoderOptions: { names: (path) => `encoder.${path}` },
    decode: (b, features) => unetDecoder(b, features, SMP_DECODER_CHANNELS),
    // smp's SegmentationHead: a 3x3 conv (padding 1) to one channel.
    segmentationHead: (b, x) => b.conv2d(x, 'segmentation_head.0', { out: 1, kernel: 3, pad: 1 }),
    // smp's ClassificationHead is Sequential(pool, flatten, dropout, linear): the Linear is index 3. Dropout is
    // left out (identity at inference; the training code may add its own).
    classificationHead: (b, features) =>
      b.linear(b.flatten(b.globalAvgPool(features[features.length - 1])), 'classification_head.3', 1),
  });
  return {
    graph,
    metadata: {
      arch: 'unet34cls',
      encoder: encoder.name,
      // science.md is silent; smp feeds ImageNet-pretrained encoders ImageNet-normalised input.
      normalization: 'imagenet',
      inputChannels: 3,
      inputMultiple: 32,
      outputNames: ['logits', 'cls_logit'],
      encoderBatchNorm: frozenBatchNorm ? 'frozen' : 'train',
      options: { frozenBatchNorm },
    },
  };
}
