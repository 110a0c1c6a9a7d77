// Segmentation plus "is there a pneumothorax at all" losses, for models with a classification head (cls_logit).
import * as tf from '@tensorflow/tfjs';
import { bceWithLogits } from './bce';
import { softDice } from './dice';
import type { LossOutputs } from './types';

/** 1 where the image's target mask has any pixel set, else 0: [N, 1], the classification head's target. */
export function nonEmpty(targets: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.greater(tf.max(targets, [1, 2, 3]), 0), 'float32').reshape([targets.shape[0], 1]));
}

/** 4th place: 0.1·BCE(cls, non_empty) + 0.9·(3·BCE + 1·Dice). */
export function fourthPlaceLoss(outputs: LossOutputs, targets: tf.Tensor4D): tf.Scalar {
  const clsLogit = requireClsLogit(outputs, 'fourth-place');
  return tf.tidy(() => {
    const segmentation = bceWithLogits(outputs.logits, targets).mul(3).add(softDice(outputs.logits, targets));
    return bceWithLogits(clsLogit, nonEmpty(targets)).mul(0.1).add(segmentation.mul(0.9));
  });
}

/**
 * 5th place: 1024·BCE + Dice + BCE(cls, non_empty). BCE is the per-pixel mean here, so 1024·BCE is the per-pixel
 * mean scaled to the sum along one row of a 1024×1024 SIIM image; it makes the pixel term dominate Dice, and it stays
 * 1024 at every training size because science.md states it that way.
 */
export function fifthPlaceLoss(outputs: LossOutputs, targets: tf.Tensor4D): tf.Scalar {
  const clsLogit = requireClsLogit(outputs, 'fifth-place');
  return tf.tidy(() =>
    bceWithLogits(outputs.logits, targets)
      .mul(1024)
      .add(softDice(outputs.logits, targets))
      .add(bceWithLogits(clsLogit, nonEmpty(targets))),
  );
}

function requireClsLogit(outputs: LossOutputs, loss: string): tf.Tensor2D {
  if (outputs.clsLogit === undefined) {
    throw new Error(
      `the ${loss} loss needs the model's cls_logit output (a classification head, e.g. unet34cls), but the model gave only logits`,
    );
  }
  const images = outputs.logits.shape[0];
  if (outputs.clsLogit.shape[0] !== images || outputs.clsLogit.shape[1] !== 1) {
    throw new Error(`the ${loss} loss expects cls_logit of shape [${images},1], got [${outputs.clsLogit.shape.join(',')}]`);
  }
  return outputs.clsLogit;
}
