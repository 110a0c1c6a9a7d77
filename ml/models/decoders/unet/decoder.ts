// segmentation_models_pytorch's UnetDecoder (no center block), under smp's module names.
import { convBnRelu, type GraphBuilder, type Value } from '../../builder';

export const SMP_DECODER_CHANNELS = [256, 128, 64, 32, 16] as const;

/**
 * Each block: nearest x2 → concat the skip at that scale (none for the last) → (3x3 conv without bias, BN, ReLU)
 * twice, as `decoder.blocks.<i>.conv1.{0,1}` and `.conv2.{0,1}`. The deepest feature is the head; the skips are
 * the 1/16 … 1/2 features. `afterBlock` adds attention at the end of each block (smp's `attention2` position).
 */
export function unetDecoder(
  b: GraphBuilder,
  features: readonly Value[],
  channels: readonly number[],
  afterBlock?: (b: GraphBuilder, x: Value, path: string) => Value,
): Value {
  const [head, ...skips] = features.slice(1).reverse();
  let x = head;
  channels.forEach((out, i) => {
    const path = `decoder.blocks.${i}`;
    x = b.upsample(x, 'nearest');
    const skip = skips[i];
    if (skip) x = b.concat([x, skip]);
    x = convBnRelu(b, x, `${path}.conv1.0`, `${path}.conv1.1`, { out, kernel: 3, pad: 1, bias: false });
    x = convBnRelu(b, x, `${path}.conv2.0`, `${path}.conv2.1`, { out, kernel: 3, pad: 1, bias: false });
    if (afterBlock) x = afterBlock(b, x, path);
  });
  return x;
}
