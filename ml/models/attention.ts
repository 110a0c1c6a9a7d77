// Squeeze-and-excitation blocks, shared by the SE-ResNeXt encoder and the SCSE decoder bottleneck.
import type { GraphBuilder, Value } from './builder';

/**
 * Channel SE (Hu et al.): global average pool → 1x1 conv `fc1` (C → C/r) → ReLU → 1x1 conv `fc2` → sigmoid, scaling
 * each channel. 1x1 convolutions rather than Linear layers, as in Cadene's SEModule and selim's SCSEModule.
 */
export function channelSqueezeExcite(b: GraphBuilder, x: Value, module: string, reduction: number): Value {
  let s = b.globalAvgPool(x);
  s = b.relu(b.conv2d(s, `${module}.fc1`, { out: Math.floor(x.channels / reduction), kernel: 1 }));
  s = b.sigmoid(b.conv2d(s, `${module}.fc2`, { out: x.channels, kernel: 1 }));
  return b.mul(x, s);
}

/**
 * Concurrent spatial and channel SE in selim's "maxout" mode (science.md: reduction 2, max of the two): the
 * spatial gate is a bias-free 1x1 conv `spatial_se.0` to one channel and a sigmoid.
 */
export function scseMaxout(b: GraphBuilder, x: Value, module: string, reduction: number): Value {
  const channel = channelSqueezeExcite(b, x, module, reduction);
  const gate = b.sigmoid(b.conv2d(x, `${module}.spatial_se.0`, { out: 1, kernel: 1, bias: false }));
  return b.max(channel, b.mul(x, gate));
}
