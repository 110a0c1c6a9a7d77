// What an architecture factory returns: the graph and the facts the rest of Pleura needs to feed and read it.
import type { Normalisation } from '../preprocess/types';
import type { GraphIR } from './ir';

export type ArchName =
  | 'albunet'
  | 'unet34cls'
  | 'resnet50unet'
  | 'scseunet'
  | 'unet-light'
  | 'cbam-unet'
  | 'aspp-unet'
  | 'multitask-unet'
  | 'deeplabv3-resnet50'
  | 'deeplabv3-resnet101';

export type ModelMetadata = {
  arch: ArchName;
  encoder: string;
  /** applied after dividing by 255 (science.md: AlbuNet and the SE-ResNeXt U-Net none, ResNet50 U-Net ImageNet) */
  normalization: Normalisation;
  inputChannels: 3;
  /**
   * height and width must be multiples of this: 32 for five halvings in the encoder, 64 for AlbuNet, whose center
   * block pools the 1/32 features once more and upsamples them back to concatenate with them, 8 for DeepLabV3
   * (output stride 8, upsampled ×8 back).
   */
  inputMultiple: 8 | 32 | 64;
  /** 'logits' [N,1,H,W] always; 'cls_logit' [N,1] for models with a classification head */
  outputNames: readonly string[];
  /** BatchNorm default for training: 'frozen' encoder BN keeps running statistics and affine fixed */
  encoderBatchNorm: 'train' | 'frozen';
  /** the options the model was built with, defaults filled in (for the model card) */
  options: Readonly<Record<string, number | boolean | string>>;
};

export type ModelDefinition = { metadata: ModelMetadata; graph: GraphIR };

/** Fails naming the nearest valid size, as smp's check_input_shape does. */
export function checkInputSize(metadata: Pick<ModelMetadata, 'arch' | 'inputMultiple'>, height: number, width: number): void {
  const m = metadata.inputMultiple;
  if (height % m === 0 && width % m === 0 && height > 0 && width > 0) return;
  const up = (v: number) => Math.max(m, Math.ceil(v / m) * m);
  throw new Error(
    `${metadata.arch} needs height and width in multiples of ${m}, got ${height}x${width}; pad or resize to ${up(height)}x${up(width)}`,
  );
}
