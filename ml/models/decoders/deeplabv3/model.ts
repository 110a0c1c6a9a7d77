// torchvision's deeplabv3_resnet50 / deeplabv3_resnet101 (num_classes=1, aux_loss=False), torchvision's state_dict
// names: `backbone.*` (the ResNet without avgpool and fc, layer3 and layer4 dilated: output stride 8),
// `classifier.0.*` (ASPP), `classifier.1/2.*`, `classifier.4.*`. One of the 2nd place's segmentation models.
import { assembleGraph } from '../../assemble';
import { getEncoder } from '../../encoders';
import type { ModelDefinition } from '../../types';
import { deeplabv3Decoder } from './decoder';

/** the backbone's output stride: conv1, the stem pool and layer2 halve; layer3 and layer4 dilate instead */
const OUTPUT_STRIDE = 8;

function deeplabv3(arch: 'deeplabv3-resnet50' | 'deeplabv3-resnet101', backbone: 'resnet50' | 'resnet101'): ModelDefinition {
  const encoder = getEncoder(backbone);
  const graph = assembleGraph({
    encoder,
    encoderOptions: { names: (path) => `backbone.${path}`, replaceStrideWithDilation: [false, true, true] },
    decode: deeplabv3Decoder,
    // torchvision interpolates the logits bilinearly (align_corners False) to the input size, which at a multiple
    // of the output stride is this ×8 upsampling.
    segmentationHead: (b, x) => b.upsample(b.conv2d(x, 'classifier.4', { out: 1, kernel: 1 }), 'bilinear', OUTPUT_STRIDE),
  });
  return {
    graph,
    metadata: {
      arch,
      encoder: encoder.name,
      // torchvision's ResNet weights and its segmentation presets expect ImageNet mean/std.
      normalization: encoder.pretrainedNormalization,
      inputChannels: 3,
      inputMultiple: OUTPUT_STRIDE,
      outputNames: ['logits'],
      encoderBatchNorm: 'train',
      options: {},
    },
  };
}

export type DeepLabV3Options = Record<string, never>;

export const deeplabv3Resnet50 = (_options: DeepLabV3Options = {}): ModelDefinition => deeplabv3('deeplabv3-resnet50', 'resnet50');
export const deeplabv3Resnet101 = (_options: DeepLabV3Options = {}): ModelDefinition => deeplabv3('deeplabv3-resnet101', 'resnet101');
