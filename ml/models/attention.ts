// Attention blocks: squeeze-and-excitation (SE-ResNeXt encoder, SCSE decoder bottleneck) and CBAM (3rd place decoder).
import type { GraphBuilder, Value } from './builder';

/**
 * Channel SE (Hu et al.): global average pool → 1x1 conv `fc1` (C → C/r) → ReLU → 1x1 conv `fc2` → sigmoid, scaling
 * each channel. 1x1 convolutions rather than Linear layers, as in Cadene's SEModule and selim's SCSEModule.
 * EfficientNet's SE (torchvision's SqueezeExcitation) puts SiLU where the others put ReLU.
 */
export function channelSqueezeExcite(b: GraphBuilder, x: Value, module: string, reduction: number, activation: 'relu' | 'silu' = 'relu'): Value {
  let s = b.globalAvgPool(x);
  s = b.conv2d(s, `${module}.fc1`, { out: Math.floor(x.channels / reduction), kernel: 1 });
  s = activation === 'silu' ? b.silu(s) : b.relu(s);
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

/**
 * CBAM (Woo et al. 2018): channel attention, then spatial attention, each scaling x. As the paper's equations
 * write it (M_c = σ(W1·ReLU(W0·avg) + W1·ReLU(W0·max)), M_s = σ(f7x7([avg; max]))), without biases and without a
 * BatchNorm on the spatial map; the authors' code (Jongchan/attention-module, MODELS/cbam.py) adds Linear biases,
 * concatenates [max; mean] and puts a BatchNorm after the 7x7 conv (ml/models/README.md). Module names follow the
 * widely used 1x1-conv port: `channel_attention.fc1`/`fc2` (one MLP applied to both pooled vectors), and
 * `spatial_attention.conv`.
 */
export function cbam(b: GraphBuilder, x: Value, module: string, reduction: number): Value {
  const hidden = Math.floor(x.channels / reduction);
  if (hidden < 1) throw new Error(`${module}: CBAM needs at least ${reduction} channels for reduction ${reduction}, got ${x.channels}`);
  const fc1 = `${module}.channel_attention.fc1`;
  const fc2 = `${module}.channel_attention.fc2`;
  const mlp = (v: Value, reuse: boolean) =>
    b.conv2d(b.relu(b.conv2d(v, fc1, { out: hidden, kernel: 1, bias: false, reuse })), fc2, {
      out: x.channels,
      kernel: 1,
      bias: false,
      reuse,
    });
  const channelGate = b.sigmoid(b.add(mlp(b.globalAvgPool(x), false), mlp(b.globalMaxPool(x), true)));
  const y = b.mul(x, channelGate);
  const pooled = b.concat([b.channelMean(y), b.channelMax(y)]);
  const spatialGate = b.sigmoid(b.conv2d(pooled, `${module}.spatial_attention.conv`, { out: 1, kernel: 7, pad: 3, bias: false }));
  return b.mul(y, spatialGate);
}
