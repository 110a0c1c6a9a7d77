// torchvision's EfficientNet-B3/B5 (torchvision 0.14, models/efficientnet.py), under torchvision's module names:
// `features.0.{0,1}` (stem conv, BN), `features.<s>.<i>.block.<k>.{0,1}` (an MBConv's convs and BNs) and
// `features.<s>.<i>.block.<k>.fc1|fc2` (its squeeze-and-excitation).
//
// Stochastic depth (torchvision's StochasticDepth, "row" mode: each residual branch dropped per sample in training
// with a probability rising to 0.2 over the blocks) is training-only randomness the IR does not model: the residual
// branch is always kept, as in eval mode (ml/models/README.md).
import { channelSqueezeExcite } from '../attention';
import type { ConvOptions, GraphBuilder, Value } from '../builder';
import type { Encoder, EncoderOptions } from './types';

/** EfficientNet-B0's stages, torchvision's `bneck_conf` table: expand ratio, kernel, stride, in, out, blocks. */
const B0_STAGES = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
] as const;

type Stage = { expand: number; kernel: number; stride: number; in: number; out: number; blocks: number };
type BatchNormSettings = { eps: number; momentum: number };

/** torchvision's `_make_divisible`: the nearest multiple of 8, but never more than 10% below the value. */
function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

function scaledStages(widthMult: number, depthMult: number): Stage[] {
  return B0_STAGES.map(([expand, kernel, stride, inChannels, outChannels, blocks]) => ({
    expand,
    kernel,
    stride,
    in: makeDivisible(inChannels * widthMult),
    out: makeDivisible(outChannels * widthMult),
    blocks: Math.ceil(blocks * depthMult),
  }));
}

/**
 * The stages whose outputs are the encoder's 1/4 … 1/32 features: the last stage at each resolution (the one
 * before a stride-2 stage, and the final one), as smp's efficientnet encoders (`stage_idxs`) and timm's
 * `feature_info` choose them. For B3 and B5 these are `features.2`, `.3`, `.5` and `.7`. At 1/2 smp takes the stem
 * (`features.0`), not the first stage: so do we. The 1x1 head conv `features.8` (1536 or 2048 channels) is not
 * part of the encoder, as smp leaves efficientnet's `_conv_head` unused.
 */
function featureStages(stages: readonly Stage[]): Set<number> {
  const taken = new Set<number>();
  stages.forEach((_, j) => {
    const next = stages[j + 1];
    if (j > 0 && (!next || next.stride > 1)) taken.add(j);
  });
  return taken;
}

function efficientNet(name: string, widthMult: number, depthMult: number, bn: BatchNormSettings): Encoder {
  const stages = scaledStages(widthMult, depthMult);
  const taken = featureStages(stages);
  const stem = stages[0].in;
  return {
    name,
    outChannels: [3, stem, ...stages.filter((_, j) => taken.has(j)).map((s) => s.out)],
    pretrainedNormalization: 'imagenet',
    build(b: GraphBuilder, x: Value, o: EncoderOptions): Value[] {
      if (o.stemPool === 'max2x2') throw new Error(`${name} has no stem pool to replace`);
      if (o.replaceStrideWithDilation?.some(Boolean)) throw new Error(`${name} does not support replaceStrideWithDilation`);
      if (o.keepClassifier) throw new Error(`${name} is an encoder without its head conv (features.8) and classifier`);
      // torchvision's Conv2dNormActivation: a bias-free conv with padding (k − 1) / 2, BN, SiLU unless it projects.
      const unit = (v: Value, module: string, conv: Omit<ConvOptions, 'bias' | 'pad'>, activate: boolean) => {
        const y = b.batchNorm(b.conv2d(v, o.names(`${module}.0`), { ...conv, pad: (conv.kernel - 1) / 2, bias: false }), o.names(`${module}.1`), bn.eps, bn.momentum);
        return activate ? b.silu(y) : y;
      };
      let y = unit(x, 'features.0', { out: stem, kernel: 3, stride: 2 }, true);
      const features = [x, y];
      stages.forEach((stage, j) => {
        for (let i = 0; i < stage.blocks; i++) {
          y = mbConv(b, y, `features.${j + 1}.${i}`, { ...stage, stride: i === 0 ? stage.stride : 1 }, unit, o.names);
        }
        if (taken.has(j)) features.push(y);
      });
      return features;
    },
  };
}

type Unit = (v: Value, module: string, conv: Omit<ConvOptions, 'bias' | 'pad'>, activate: boolean) => Value;

/**
 * MBConv: 1x1 expand (absent when the ratio is 1), depthwise k x k (the stride), SE, 1x1 project without
 * activation; the input is added back when stride and width allow. `block.<k>` numbers the units present.
 */
function mbConv(b: GraphBuilder, x: Value, path: string, stage: Stage, unit: Unit, names: (path: string) => string): Value {
  const expanded = makeDivisible(x.channels * stage.expand);
  let k = 0;
  let y = x;
  if (expanded !== x.channels) y = unit(y, `${path}.block.${k++}`, { out: expanded, kernel: 1 }, true);
  y = unit(y, `${path}.block.${k++}`, { out: expanded, kernel: stage.kernel, stride: stage.stride, groups: expanded }, true);
  // torchvision squeezes to input_channels // 4 of the block's input; every width here is a multiple of 8, so the
  // expanded width is input × ratio and a reduction of 4 × ratio gives exactly that.
  y = channelSqueezeExcite(b, y, names(`${path}.block.${k++}`), 4 * stage.expand, 'silu');
  y = unit(y, `${path}.block.${k++}`, { out: stage.out, kernel: 1 }, false);
  return stage.stride === 1 && x.channels === stage.out ? b.add(y, x) : y;
}

export const efficientnetEncoders = {
  // torchvision: width 1.2, depth 1.4, BatchNorm2d defaults (eps 1e-5, momentum 0.1)
  efficientnet_b3: efficientNet('efficientnet_b3', 1.2, 1.4, { eps: 1e-5, momentum: 0.1 }),
  // torchvision: width 1.6, depth 2.2, BatchNorm2d(eps=0.001, momentum=0.01)
  efficientnet_b5: efficientNet('efficientnet_b5', 1.6, 2.2, { eps: 1e-3, momentum: 0.01 }),
} satisfies Record<string, Encoder>;
