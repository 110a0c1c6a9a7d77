// A decoded DICOM image as ml/ sees it (ml/preprocess's Radiograph): the one decode path feeds the models.
import type { DecodedImage } from '../api/contract';
import type { Radiograph } from '../../ml/preprocess';

export function toRadiograph(image: DecodedImage): Radiograph {
  const { info } = image;
  // Stored 8-bit with an identity modality transform (all of SIIM): the models were trained on these values as is.
  const eightBit = info.bitsStored <= 8 && !info.hasModalityLut && info.rescaleSlope === 1 && info.rescaleIntercept === 0;
  return { rows: image.rows, columns: image.columns, pixels: image.pixels, window: image.window, invert: image.invert, eightBit };
}
