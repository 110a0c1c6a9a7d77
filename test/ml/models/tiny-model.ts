// A hand-built definition small enough to check single ops exactly: encoder conv → BN → ReLU → ceil-mode max pool
// → bilinear x2 → grouped conv → BN (decoder) → 1x1 head.
import { GraphBuilder } from '../../../ml/models/builder';
import type { ModelDefinition } from '../../../ml/models';

export function tinyModel(): ModelDefinition {
  const b = new GraphBuilder();
  const image = b.input('image', 3);
  const pooled = b.inPart('encoder', () => {
    const x = b.relu(b.batchNorm(b.conv2d(image, 'encoder.conv', { out: 8, kernel: 3, pad: 1, bias: false }), 'encoder.bn'));
    return b.maxPool(x, { kernel: 3, stride: 2, ceilMode: true });
  });
  const decoded = b.inPart('decoder', () => {
    const up = b.upsample(pooled, 'bilinear');
    return b.relu(b.batchNorm(b.conv2d(up, 'decoder.conv', { out: 8, kernel: 3, pad: 1, groups: 4 }), 'decoder.bn'));
  });
  b.output('logits', b.inPart('head', () => b.conv2d(decoded, 'head', { out: 1, kernel: 1 })), 'map');
  return {
    graph: b.build(),
    metadata: {
      arch: 'albunet',
      encoder: 'tiny',
      normalization: 'none',
      inputChannels: 3,
      inputMultiple: 32,
      outputNames: ['logits'],
      encoderBatchNorm: 'train',
      options: {},
    },
  };
}
