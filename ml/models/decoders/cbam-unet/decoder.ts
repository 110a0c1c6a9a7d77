// The 3rd place's decoder: smp's U-Net decoder with CBAM at the end of every block (after the second conv, smp's
// `attention2` position), module names `decoder.blocks.<i>.attention2.*`.
import { cbam } from '../../attention';
import type { GraphBuilder, Value } from '../../builder';
import { SMP_DECODER_CHANNELS, unetDecoder } from '../unet/decoder';

/** The CBAM paper's reduction ratio (its ImageNet models' r = 16). */
export const CBAM_REDUCTION = 16;

export function cbamUnetDecoder(b: GraphBuilder, features: readonly Value[]): Value {
  return unetDecoder(b, features, SMP_DECODER_CHANNELS, (b, x, path) => cbam(b, x, `${path}.attention2`, CBAM_REDUCTION));
}
