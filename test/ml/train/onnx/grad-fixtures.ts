// Hand-built models for the backward-pass tests: every IR op in a few layers, small enough for TF.js's cpu backend.
import type { ModelDefinition } from '../../../../ml/models';
import { scseMaxout } from '../../../../ml/models/attention';
import { convBnRelu, GraphBuilder, type Value } from '../../../../ml/models/builder';

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

/**
 * The ops of issue 14's models, each at least once, small enough for TF.js's cpu backend: an EfficientNet-like
 * encoder (conv-BN-SiLU, depthwise 3x3 and strided depthwise 5x5, squeeze-excitation with SiLU), a dilated stage
 * (3x3, dilation 2), a CBAM block (a shared MLP applied to the average- and the max-pooled vector — one conv module
 * read by two nodes — then channel mean and max, a 7x7 conv), an ASPP (1x1, dilations 2 and 4, image pooling
 * repeated over the map with expandSpatial), and heads: logits after a bilinear x4, cls_logit from a global max
 * pool. At 16x16 the maps below the stem are 8x8 and 4x4.
 */
export function newOpsModel(): ModelDefinition {
  const b = new GraphBuilder();
  const image = b.input('image', 3);
  const deep = b.inPart('encoder', () => {
    const stem = b.silu(b.batchNorm(b.conv2d(image, 'encoder.stem', { out: 8, kernel: 3, stride: 2, pad: 1, bias: false }), 'encoder.stem_bn'));
    const dw = b.silu(b.batchNorm(b.conv2d(stem, 'encoder.dw3', { out: 8, kernel: 3, pad: 1, groups: 8, bias: false }), 'encoder.dw3_bn'));
    const squeeze = b.silu(b.conv2d(b.globalAvgPool(dw), 'encoder.se.reduce', { out: 2, kernel: 1 }));
    const excited = b.mul(dw, b.sigmoid(b.conv2d(squeeze, 'encoder.se.expand', { out: 8, kernel: 1 })));
    const strided = b.silu(b.conv2d(excited, 'encoder.dw5', { out: 8, kernel: 5, stride: 2, pad: 2, groups: 8 }));
    return b.relu(b.batchNorm(b.conv2d(strided, 'encoder.dilated', { out: 8, kernel: 3, pad: 2, dilation: 2, bias: false }), 'encoder.dilated_bn'));
  });
  const decoded = b.inPart('decoder', () => {
    const mlp = (v: Value, reuse: boolean) =>
      b.conv2d(b.relu(b.conv2d(v, 'decoder.cbam.fc1', { out: 2, kernel: 1, bias: false, reuse })), 'decoder.cbam.fc2', { out: 8, kernel: 1, bias: false, reuse });
    const channelGate = b.sigmoid(b.add(mlp(b.globalAvgPool(deep), false), mlp(b.globalMaxPool(deep), true)));
    const gated = b.mul(deep, channelGate);
    const pooled = b.concat([b.channelMean(gated), b.channelMax(gated)]);
    const attended = b.mul(gated, b.sigmoid(b.conv2d(pooled, 'decoder.cbam.spatial', { out: 1, kernel: 7, pad: 3, bias: false })));
    const branches = [
      b.relu(b.conv2d(attended, 'decoder.aspp.b0', { out: 4, kernel: 1 })),
      b.relu(b.conv2d(attended, 'decoder.aspp.b1', { out: 4, kernel: 3, pad: 2, dilation: 2 })),
      b.relu(b.conv2d(attended, 'decoder.aspp.b2', { out: 4, kernel: 3, pad: 4, dilation: 4 })),
      b.expandSpatial(b.relu(b.conv2d(b.globalAvgPool(attended), 'decoder.aspp.pool', { out: 4, kernel: 1 })), attended),
    ];
    return b.relu(b.conv2d(b.concat(branches), 'decoder.aspp.project', { out: 8, kernel: 1 }));
  });
  b.output('logits', b.inPart('head', () => b.conv2d(b.upsample(decoded, 'bilinear', 4), 'head.seg', { out: 1, kernel: 1 })), 'map');
  b.output('cls_logit', b.inPart('head', () => b.linear(b.flatten(b.globalMaxPool(decoded)), 'head.cls', 1)), 'vector');
  return {
    graph: b.build(),
    metadata: {
      arch: 'unet34cls',
      encoder: 'new-ops',
      normalization: 'none',
      inputChannels: 3,
      inputMultiple: 8,
      outputNames: ['logits', 'cls_logit'],
      encoderBatchNorm: 'train',
      options: {},
    },
  };
}
