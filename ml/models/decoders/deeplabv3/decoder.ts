// torchvision's DeepLabHead without its last conv (models/segmentation/deeplabv3.py): ASPP (rates 12/24/36, 256
// channels) under `classifier.0.convs.*` and `classifier.0.project.*`, then a 3x3 conv, BN and ReLU as
// `classifier.1`, `classifier.2`. The ASPP block is the 5th place's (aspp-unet), which follows torchvision's module:
// its projection's Dropout(0.5) is training-only randomness left out, in training too (ml/models/README.md).
import { convBnRelu, type GraphBuilder, type Value } from '../../builder';
import { aspp } from '../aspp-unet/decoder';

const DEEPLAB_ASPP_RATES = [12, 24, 36] as const;
const CHANNELS = 256;

/** DeepLabHead's modules 0–3 (ASPP, conv, BN, ReLU); module 4, the 1x1 classifier, is the segmentation head. */
export function deeplabv3Decoder(b: GraphBuilder, features: readonly Value[]): Value {
  const x = aspp(b, features[features.length - 1], 'classifier.0', DEEPLAB_ASPP_RATES, CHANNELS);
  return convBnRelu(b, x, 'classifier.1', 'classifier.2', { out: CHANNELS, kernel: 3, pad: 1, bias: false });
}
