// SE-ResNeXt from Cadene's pretrainedmodels (as vendored by the 1st-place solution's selim zoo), under its module
// names: `layer0.conv1`, `layer1.0.se_module.fc1`, …
import { channelSqueezeExcite } from '../attention';
import { convBnRelu, type GraphBuilder, type Value } from '../builder';
import { residualJoin, residualStages, stemAndPool, unusedClassifier, type BlockBuilder } from './stages';
import type { Encoder, EncoderOptions } from './types';

const GROUPS = 32;
const BASE_WIDTH = 4;
const SE_REDUCTION = 16;

/** ResNeXt type C bottleneck; the stride sits in the grouped 3x3 convolution. */
const seResNeXtBlock: BlockBuilder = (b, x, path, planes, stride, _dilation, n) => {
  const width = Math.floor((planes * BASE_WIDTH) / 64) * GROUPS;
  let y = convBnRelu(b, x, n(`${path}.conv1`), n(`${path}.bn1`), { out: width, kernel: 1, bias: false });
  y = convBnRelu(b, y, n(`${path}.conv2`), n(`${path}.bn2`), {
    out: width,
    kernel: 3,
    stride,
    pad: 1,
    groups: GROUPS,
    bias: false,
  });
  y = b.batchNorm(b.conv2d(y, n(`${path}.conv3`), { out: planes * 4, kernel: 1, bias: false }), n(`${path}.bn3`));
  return residualJoin(b, x, channelSqueezeExcite(b, y, n(`${path}.se_module`), SE_REDUCTION), path, stride, n);
};

/** Cadene's `se_resnext*_32x4d`: `layers` blocks per stage (50: [3, 4, 6, 3], 101: [3, 4, 23, 3]). */
function seResNeXt(name: string, layers: readonly number[]): Encoder {
  return {
    name,
    outChannels: [3, 64, 256, 512, 1024, 2048],
    pretrainedNormalization: 'imagenet',
    build(b: GraphBuilder, x: Value, o: EncoderOptions): Value[] {
      // Cadene's SENet has no dilated variant; its blocks would silently keep dilation 1.
      if (o.replaceStrideWithDilation?.some(Boolean)) throw new Error(`${name} does not support replaceStrideWithDilation`);
      // Cadene keeps Caffe's pooling: ceil_mode instead of padding (the windows differ from torchvision's).
      const [stem, pooled] = stemAndPool(b, x, o, { conv: 'layer0.conv1', bn: 'layer0.bn1' }, {
        kernel: 3,
        stride: 2,
        ceilMode: true,
      });
      const stages = residualStages(b, pooled, layers, seResNeXtBlock, o.names);
      if (o.keepClassifier) unusedClassifier(b, o.names('last_linear'), 2048);
      return [x, stem, ...stages];
    },
  };
}

export const senetEncoders = {
  se_resnext50_32x4d: seResNeXt('se_resnext50_32x4d', [3, 4, 6, 3]),
  se_resnext101_32x4d: seResNeXt('se_resnext101_32x4d', [3, 4, 23, 3]),
} satisfies Record<string, Encoder>;
