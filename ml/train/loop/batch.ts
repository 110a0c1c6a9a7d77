// Images and masks into NHWC tensors: the image through the models' one input rule (ml/preprocess: three identical
// channels / 255, then the model's normalisation), the mask as a 0/1 map [N, H, W, 1].
import * as tf from '@tensorflow/tfjs';
import type { Mask } from '../../post';
import { writeModelInput, type Normalisation, type Plane } from '../../preprocess';

export function imageBatch(images: readonly Plane[], normalisation: Normalisation): tf.Tensor4D {
  const { rows, columns } = images[0];
  const nchw = new Float32Array(images.length * 3 * rows * columns);
  images.forEach((image, n) => {
    if (image.rows !== rows || image.columns !== columns) throw new RangeError(`a batch mixes ${rows}x${columns} and ${image.rows}x${image.columns} images`);
    writeModelInput(image, normalisation, nchw, n * 3 * rows * columns);
  });
  return tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [images.length, 3, rows, columns]), [0, 2, 3, 1]));
}

export function maskBatch(masks: readonly Mask[]): tf.Tensor4D {
  const { rows, columns } = masks[0];
  const out = new Float32Array(masks.length * rows * columns);
  masks.forEach((mask, n) => out.set(mask.data, n * rows * columns));
  return tf.tensor4d(out, [masks.length, rows, columns, 1]);
}
