// The 5th place's U-Net with an ASPP bottleneck and two classifiers, on SE-ResNeXt50 or SE-ResNeXt101 (32x4d), smp
// state_dict names: `encoder.*` (Cadene names, no ImageNet classifier), `decoder.aspp.*`, `decoder.blocks.*`,
// `segmentation_head.0.*`, `classification_head.{bottleneck,aspp,fuse}.*`.
import { z } from 'zod';
import { assembleGraph } from '../../assemble';
import type { GraphBuilder, Value } from '../../builder';
import { getEncoder } from '../../encoders';
import type { ModelDefinition } from '../../types';
import { asppUnetDecoder } from './decoder';

const AsppUnetOptions = z.object({ encoder: z.enum(['se_resnext50_32x4d', 'se_resnext101_32x4d']).default('se_resnext50_32x4d') }).strict();
export type AsppUnetOptions = z.input<typeof AsppUnetOptions>;

/** Global average pool → 1x1 conv to one logit (a Linear on the pooled vector, kept [N, 1, 1, 1] to concatenate). */
function pooledClassifier(b: GraphBuilder, x: Value, module: string): Value {
  return b.conv2d(b.globalAvgPool(x), module, { out: 1, kernel: 1 });
}

export function asppUnet(options: AsppUnetOptions = {}): ModelDefinition {
  const parsed = AsppUnetOptions.safeParse(options);
  if (!parsed.success) throw new Error(`invalid aspp-unet options ${JSON.stringify(options)}: ${z.prettifyError(parsed.error)}`);
  const encoder = getEncoder(parsed.data.encoder);
  let bottleneck: Value | undefined;
  const graph = assembleGraph({
    encoder,
    encoderOptions: { names: (path) => `encoder.${path}` },
    decode: (b, features) => {
      const out = asppUnetDecoder(b, features);
      bottleneck = out.bottleneck;
      return out.decoded;
    },
    segmentationHead: (b, x) => b.conv2d(x, 'segmentation_head.0', { out: 1, kernel: 3, pad: 1 }),
    // The summary names "two classifiers" but not where they sit or how they meet the single BCE(classifier,
    // non-empty) term of its loss. Chosen: one on the encoder's 1/32 features, one on the ASPP output, stacked by a
    // learnt Linear(2, 1) `fuse` into cls_logit, so that one BCE term trains both (ml/models/README.md).
    classificationHead: (b, features) => {
      if (!bottleneck) throw new Error('aspp-unet: the classifiers run after the decoder');
      const fromEncoder = pooledClassifier(b, features[features.length - 1], 'classification_head.bottleneck');
      const fromAspp = pooledClassifier(b, bottleneck, 'classification_head.aspp');
      return b.linear(b.flatten(b.concat([fromEncoder, fromAspp])), 'classification_head.fuse', 1);
    },
  });
  return {
    graph,
    metadata: {
      arch: 'aspp-unet',
      encoder: encoder.name,
      // science.md is silent; smp feeds ImageNet-pretrained encoders ImageNet-normalised input.
      normalization: 'imagenet',
      inputChannels: 3,
      inputMultiple: 32,
      outputNames: ['logits', 'cls_logit'],
      encoderBatchNorm: 'train',
      options: { encoder: encoder.name },
    },
  };
}
