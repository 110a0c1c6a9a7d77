// AlbuNet (1st place): torchvision ResNet34 encoder + AlbuNet decoder, state_dict names of ternausnets' AlbuNet.
import { assembleGraph } from '../../assemble';
import { getEncoder } from '../../encoders';
import type { ModelDefinition } from '../../types';
import { albunetDecoder } from './decoder';

export type AlbuNetOptions = { nf?: number };

export function albunet(options: AlbuNetOptions = {}): ModelDefinition {
  const nf = options.nf ?? 32;
  const encoder = getEncoder('resnet34');
  const graph = assembleGraph({
    encoder,
    // `self.encoder = torchvision.models.resnet34()` keeps fc in the state_dict (and in the 35.1 M count).
    // AlbuNet's conv1 ends in its own 2x2 max pool, not ResNet's 3x3 one.
    encoderOptions: { names: (path) => `encoder.${path}`, stemPool: 'max2x2', keepClassifier: true },
    decode: (b, features) => albunetDecoder(b, features, nf),
    segmentationHead: (b, x) => b.conv2d(x, 'final', { out: 1, kernel: 1 }),
    aliasPrefixes: [
      ['conv1.0.', 'encoder.conv1.'],
      ['conv1.1.', 'encoder.bn1.'],
      ['conv2.', 'encoder.layer1.'],
      ['conv3.', 'encoder.layer2.'],
      ['conv4.', 'encoder.layer3.'],
      ['conv5.', 'encoder.layer4.'],
    ],
  });
  return {
    graph,
    metadata: {
      arch: 'albunet',
      encoder: encoder.name,
      normalization: 'none',
      inputChannels: 3,
      inputMultiple: 64,
      outputNames: ['logits'],
      encoderBatchNorm: 'train',
      options: { nf },
    },
  };
}
