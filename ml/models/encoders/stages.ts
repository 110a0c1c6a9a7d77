// What ResNet and SE-ResNeXt share: four stages of residual blocks (planes 64, 128, 256, 512; stride 2 from the
// second stage on) and the projection shortcut of their first block.
import { convBnRelu, torchDefaultUniform, type GraphBuilder, type MaxPoolOptions, type Value } from '../builder';
import type { EncoderOptions } from './types';

export const STAGE_PLANES = [64, 128, 256, 512] as const;

/**
 * One residual block: `path` is its native module path (`layer2.0`), `planes` its width; `dilation` that of its 3x3
 * convolution (padding equal to it, as torchvision's conv3x3).
 */
export type BlockBuilder = (
  b: GraphBuilder,
  x: Value,
  path: string,
  planes: number,
  stride: number,
  dilation: number,
  names: (path: string) => string,
) => Value;

type Dilation = NonNullable<EncoderOptions['replaceStrideWithDilation']>;

/**
 * Runs the four stages; returns the output of each (1/4 … 1/32 of the input when the stem halved twice). A stage
 * whose stride is replaced by dilation follows torchvision's `_make_layer`: its first block keeps the previous
 * dilation at stride 1, the later blocks use the dilation multiplied by the stride it gave up.
 */
export function residualStages(
  b: GraphBuilder,
  x: Value,
  layers: readonly number[],
  block: BlockBuilder,
  names: (path: string) => string,
  replaceStrideWithDilation: Dilation = [false, false, false],
): Value[] {
  const outputs: Value[] = [];
  let y = x;
  let dilation = 1;
  layers.forEach((count, stage) => {
    const previousDilation = dilation;
    let stride = stage > 0 ? 2 : 1;
    if (stage > 0 && replaceStrideWithDilation[stage - 1]) {
      dilation *= stride;
      stride = 1;
    }
    for (let i = 0; i < count; i++) {
      const first = i === 0;
      y = block(b, y, `layer${stage + 1}.${i}`, STAGE_PLANES[stage], first ? stride : 1, first ? previousDilation : dilation, names);
    }
    outputs.push(y);
  });
  return outputs;
}

/** `relu(main + shortcut)`, the shortcut projected by `downsample.0` (1x1 conv) and `downsample.1` (BN) when needed. */
export function residualJoin(
  b: GraphBuilder,
  x: Value,
  main: Value,
  path: string,
  stride: number,
  names: (path: string) => string,
): Value {
  let shortcut = x;
  if (stride !== 1 || x.channels !== main.channels) {
    shortcut = b.conv2d(x, names(`${path}.downsample.0`), { out: main.channels, kernel: 1, stride, bias: false });
    shortcut = b.batchNorm(shortcut, names(`${path}.downsample.1`));
  }
  return b.relu(b.add(main, shortcut));
}

/** The ImageNet classifier of the original network, kept only so the state_dict matches it. */
export function unusedClassifier(b: GraphBuilder, module: string, inFeatures: number): void {
  const init = torchDefaultUniform(inFeatures);
  b.param(`${module}.weight`, [1000, inFeatures], init);
  b.param(`${module}.bias`, [1000], init);
}

/** The 7x7 stride-2 stem (conv, BN, ReLU) and the pool after it; returns [stem output (1/2), pooled (1/4)]. */
export function stemAndPool(
  b: GraphBuilder,
  x: Value,
  o: EncoderOptions,
  modules: { conv: string; bn: string },
  nativePool: MaxPoolOptions,
): [Value, Value] {
  const stem = convBnRelu(b, x, o.names(modules.conv), o.names(modules.bn), {
    out: 64,
    kernel: 7,
    stride: 2,
    pad: 3,
    bias: false,
  });
  return [stem, b.maxPool(stem, o.stemPool === 'max2x2' ? { kernel: 2, stride: 2 } : nativePool)];
}
