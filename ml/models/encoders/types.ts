// The contract every encoder meets (smp's EncoderMixin): it returns six feature maps, [input, 1/2, 1/4, 1/8,
// 1/16, 1/32], with the channel counts in `outChannels`. Decoders are sized from those counts alone.
import type { GraphBuilder, Value } from '../builder';

export type EncoderOptions = {
  /**
   * Maps the encoder's native module path (torchvision / Cadene names: `conv1`, `layer1.0.bn2`, `layer0.conv1`)
   * to the module path in the assembled model's state_dict (`encoder.conv1`, `encoder_stages.1.1.0.bn2`, …).
   */
  names: (path: string) => string;
  /** the encoder's own stem pool, or AlbuNet's replacement, a 2x2 max pool */
  stemPool?: 'native' | 'max2x2';
  /** keep the ImageNet classifier tensors in the state_dict, read by no node (torchvision models carry them) */
  keepClassifier?: boolean;
  /**
   * torchvision ResNet's `replace_stride_with_dilation` for layer2–layer4: those stages keep the resolution and
   * dilate their 3x3 convolutions instead (DeepLabV3: [false, true, true], output stride 8). The features of a
   * dilated stage stay at the previous scale. Encoders without it refuse it.
   */
  replaceStrideWithDilation?: readonly [boolean, boolean, boolean];
};

export type Encoder = {
  name: string;
  outChannels: readonly number[];
  /** what its ImageNet weights expect on input */
  pretrainedNormalization: 'imagenet';
  build(b: GraphBuilder, x: Value, options: EncoderOptions): Value[];
};
