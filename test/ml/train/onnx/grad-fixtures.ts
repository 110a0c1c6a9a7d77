// Hand-built models for the backward-pass tests: every IR op in a few layers, small enough for TF.js's cpu backend.
import type { ModelDefinition } from '../../../../ml/models';
import { scseMaxout } from '../../../../ml/models/attention';
import { convBnRelu, GraphBuilder } from '../../../../ml/models/builder';

/**
 * Encoder: conv-BN-ReLU, Cadene's ceil-mode 3x3 pool, a residual block (grouped conv, identity shortcut), a 2x2
 * pool. Decoder: an SCSE maxout block (sigmoid, mul with both broadcasts, max), bilinear and
 * nearest upsampling with skip concatenations, a decoder BN. Heads: a 1x1 conv (logits) and global pool → flatten
 * → linear (cls_logit). At 32x32 the ceil-mode pool's last window hangs over the edge.
 */
export function everyOpModel(): ModelDefinition {
  const b = new GraphBuilder();
  const image = b.input('image', 3);
  const [stem, skip, deep] = b.inPart('encoder', () => {
    const stem = convBnRelu(b, image, 'encoder.conv1', 'encoder.bn1', { out: 8, kernel: 3, pad: 1, bias: false });
    const pooled = b.maxPool(stem, { kernel: 3, stride: 2, ceilMode: true });
    const inner = convBnRelu(b, pooled, 'encoder.block.conv1', 'encoder.block.bn1', { out: 8, kernel: 3, pad: 1, groups: 4, bias: false });
    const branch = b.batchNorm(b.conv2d(inner, 'encoder.block.conv2', { out: 8, kernel: 3, pad: 1, bias: false }), 'encoder.block.bn2');
    const block = b.relu(b.add(branch, pooled));
    return [stem, block, b.maxPool(block, { kernel: 2, stride: 2 })] as const;
  });
  const decoded = b.inPart('decoder', () => {
    const attended = scseMaxout(b, deep, 'decoder.scse', 2);
    const up = b.relu(b.conv2d(b.concat([b.upsample(attended, 'bilinear'), skip]), 'decoder.conv1', { out: 8, kernel: 3, pad: 1 }));
    return convBnRelu(b, b.concat([b.upsample(up, 'nearest'), stem]), 'decoder.conv2', 'decoder.bn2', { out: 4, kernel: 3, pad: 1, bias: false });
  });
  b.output('logits', b.inPart('head', () => b.conv2d(decoded, 'head.seg', { out: 1, kernel: 1 })), 'map');
  b.output('cls_logit', b.inPart('head', () => b.linear(b.flatten(b.globalAvgPool(deep)), 'head.cls', 1)), 'vector');
  return {
    graph: b.build(),
    metadata: {
      arch: 'unet34cls',
      encoder: 'every-op',
      normalization: 'none',
      inputChannels: 3,
      inputMultiple: 32,
      outputNames: ['logits', 'cls_logit'],
      encoderBatchNorm: 'train',
      options: {},
    },
  };
}
