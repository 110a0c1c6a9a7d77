// torchvision ResNet (v1.5: the stride sits in the 3x3 convolution), under torchvision's module names.
import { convBnRelu, type GraphBuilder, type Value } from '../builder';
import { residualJoin, residualStages, stemAndPool, unusedClassifier, type BlockBuilder } from './stages';
import type { Encoder, EncoderOptions } from './types';

const basicBlock: BlockBuilder = (b, x, path, planes, stride, dilation, n) => {
  // torchvision's BasicBlock refuses dilation the same way (NotImplementedError).
  if (dilation > 1) throw new Error(`${path}: a ResNet BasicBlock does not support dilation (only ResNet50/101 do)`);
  let y = convBnRelu(b, x, n(`${path}.conv1`), n(`${path}.bn1`), { out: planes, kernel: 3, stride, pad: 1, bias: false });
  y = b.batchNorm(b.conv2d(y, n(`${path}.conv2`), { out: planes, kernel: 3, pad: 1, bias: false }), n(`${path}.bn2`));
  return residualJoin(b, x, y, path, stride, n);
};

const bottleneckBlock: BlockBuilder = (b, x, path, planes, stride, dilation, n) => {
  let y = convBnRelu(b, x, n(`${path}.conv1`), n(`${path}.bn1`), { out: planes, kernel: 1, bias: false });
  y = convBnRelu(b, y, n(`${path}.conv2`), n(`${path}.bn2`), { out: planes, kernel: 3, stride, pad: dilation, dilation, bias: false });
  y = b.batchNorm(b.conv2d(y, n(`${path}.conv3`), { out: planes * 4, kernel: 1, bias: false }), n(`${path}.bn3`));
  return residualJoin(b, x, y, path, stride, n);
};

function resNet(name: string, block: BlockBuilder, layers: readonly number[], expansion: number): Encoder {
  const outChannels = [3, 64, 64 * expansion, 128 * expansion, 256 * expansion, 512 * expansion];
  return {
    name,
    outChannels,
    pretrainedNormalization: 'imagenet',
    build(b: GraphBuilder, x: Value, o: EncoderOptions): Value[] {
      const [stem, pooled] = stemAndPool(b, x, o, { conv: 'conv1', bn: 'bn1' }, { kernel: 3, stride: 2, pad: 1 });
      const stages = residualStages(b, pooled, layers, block, o.names, o.replaceStrideWithDilation);
      if (o.keepClassifier) unusedClassifier(b, o.names('fc'), outChannels[5]);
      return [x, stem, ...stages];
    },
  };
}

export const resnetEncoders = {
  resnet34: resNet('resnet34', basicBlock, [3, 4, 6, 3], 1),
  resnet50: resNet('resnet50', bottleneckBlock, [3, 4, 6, 3], 4),
  resnet101: resNet('resnet101', bottleneckBlock, [3, 4, 23, 3], 4),
} satisfies Record<string, Encoder>;
