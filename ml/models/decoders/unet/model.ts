// smp's Unet with an optional classification branch, under smp state_dict names: `encoder.*` (torchvision / Cadene
// names, no ImageNet classifier), `decoder.blocks.*`, `segmentation_head.0.*`, `classification_head.3.*`.
// - unet34cls: the 4th place's ResNet34 U-Net with its classifier.
// - multitask-unet: the 2nd place's multi-task U-Net (segmentation plus classification) on SE-ResNeXt50/101 or
//   EfficientNet-B3/B5; without the classifier, the U-Net of its segmentation stage.
import { z } from 'zod';
import { assembleGraph } from '../../assemble';
import { getEncoder, type Encoder } from '../../encoders';
import type { GraphIR } from '../../ir';
import type { ModelDefinition } from '../../types';
import { SMP_DECODER_CHANNELS, unetDecoder } from './decoder';

function smpUnetGraph(encoder: Encoder, classifier: boolean): GraphIR {
  return assembleGraph({
    encoder,
    encoderOptions: { names: (path) => `encoder.${path}` },
    decode: (b, features) => unetDecoder(b, features, SMP_DECODER_CHANNELS),
    // smp's SegmentationHead: a 3x3 conv (padding 1) to one channel.
    segmentationHead: (b, x) => b.conv2d(x, 'segmentation_head.0', { out: 1, kernel: 3, pad: 1 }),
    // smp's ClassificationHead is Sequential(pool, flatten, dropout, linear): the Linear is index 3. Dropout is
    // left out (identity at inference; the training code may add its own).
    ...(classifier && {
      classificationHead: (b, features) => b.linear(b.flatten(b.globalAvgPool(features[features.length - 1])), 'classification_head.3', 1),
    }),
  });
}

function outputNames(classifier: boolean): string[] {
  return classifier ? ['logits', 'cls_logit'] : ['logits'];
}

export type Unet34ClsOptions = {
  /** 4th place trained the backbone with frozen BatchNorm; the default */
  frozenBatchNorm?: boolean;
};

export function unet34cls(options: Unet34ClsOptions = {}): ModelDefinition {
  const frozenBatchNorm = options.frozenBatchNorm ?? true;
  const encoder = getEncoder('resnet34');
  return {
    graph: smpUnetGraph(encoder, true),
    metadata: {
      arch: 'unet34cls',
      encoder: encoder.name,
      // science.md is silent; smp feeds ImageNet-pretrained encoders ImageNet-normalised input.
      normalization: 'imagenet',
      inputChannels: 3,
      inputMultiple: 32,
      outputNames: outputNames(true),
      encoderBatchNorm: frozenBatchNorm ? 'frozen' : 'train',
      options: { frozenBatchNorm },
    },
  };
}

const MULTITASK_UNET_ENCODERS = ['se_resnext50_32x4d', 'se_resnext101_32x4d', 'efficientnet_b3', 'efficientnet_b5'] as const;

const MultitaskUnetOptions = z
  .object({
    encoder: z.enum(MULTITASK_UNET_ENCODERS).default('se_resnext50_32x4d'),
    /** the classification branch: on for the classification stage, off for the segmentation stage's U-Net */
    classifier: z.boolean().default(true),
  })
  .strict();
export type MultitaskUnetOptions = z.input<typeof MultitaskUnetOptions>;

export function multitaskUnet(options: MultitaskUnetOptions = {}): ModelDefinition {
  const parsed = MultitaskUnetOptions.safeParse(options);
  if (!parsed.success) throw new Error(`invalid multitask-unet options ${JSON.stringify(options)}: ${z.prettifyError(parsed.error)}`);
  const { classifier } = parsed.data;
  const encoder = getEncoder(parsed.data.encoder);
  return {
    graph: smpUnetGraph(encoder, classifier),
    metadata: {
      arch: 'multitask-unet',
      encoder: encoder.name,
      // The 2nd place's summary is silent; smp feeds ImageNet-pretrained encoders ImageNet-normalised input.
      normalization: encoder.pretrainedNormalization,
      inputChannels: 3,
      inputMultiple: 32,
      outputNames: outputNames(classifier),
      encoderBatchNorm: 'train',
      options: { encoder: encoder.name, classifier },
    },
  };
}
