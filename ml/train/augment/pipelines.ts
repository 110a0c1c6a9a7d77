import type { Rng } from '../../random';
import { compose, oneOf, type ComposeParams } from './compose';
import { elasticTransform } from './elastic';
import { horizontalFlip } from './flip';
import { gridDistortion } from './grid-distortion';
import { opticalDistortion } from './optical-distortion';
import { randomBrightness, randomContrast, randomGamma } from './photometric';
import { resize } from './resize';
import { shiftScaleRotate } from './shift-scale-rotate';
import type { Labelled, Transform } from './types';

/** A whole pipeline: draws from the caller's generator, so a training run's one Rng state replays every image. */
export interface Augmentation {
  readonly transform: Transform<ComposeParams>;
  readonly size: number;
  apply(sample: Labelled, rng: Rng): Labelled;
}

/**
 * science.md's augmentation, the 1st place's albumentations 0.3.1 pipeline (their train_transforms_complex_512.json):
 * children's p 0.5 inside each OneOf (equal weights), ShiftScaleRotate p 0.5, every warp with BORDER_REFLECT_101.
 */
export function createTrainingAugmentation(size: number): Augmentation {
  return augmentation(size, [
    horizontalFlip({ p: 0.5 }),
    oneOf([randomContrast({ limit: 0.2 }), randomGamma({ gammaLimit: [80, 120] }), randomBrightness({ limit: 0.2 })], {
      p: 0.3,
    }),
    oneOf(
      [
        elasticTransform({ alpha: 120, sigma: 120 * 0.05, alphaAffine: 120 * 0.03 }),
        gridDistortion({ numSteps: 5, distortLimit: 0.3 }),
        opticalDistortion({ distortLimit: 2, shiftLimit: 0.5 }),
      ],
      { p: 0.3 },
    ),
    shiftScaleRotate({ shiftLimit: 0.0625, scaleLimit: 0.1, rotateLimit: 45, p: 0.5 }),
    resize(size, size),
  ]);
}

/** Validation and inference-side training data: resize only. */
export function createValidationTransform(size: number): Augmentation {
  return augmentation(size, [resize(size, size)]);
}

function augmentation(size: number, children: Transform<any>[]): Augmentation {
  const transform = compose(children);
  return {
    transform,
    size,
    apply({ image, mask }, rng) {
      if (image.rows !== mask.rows || image.columns !== mask.columns) {
        throw new Error(`mask is ${mask.rows}x${mask.columns} but its image is ${image.rows}x${image.columns}`);
      }
      if (image.data.length !== image.rows * image.columns || mask.data.length !== mask.rows * mask.columns) {
        throw new Error(`image or mask data length does not match ${image.rows}x${image.columns}`);
      }
      const params = transform.sample(rng, image);
      return { image: transform.applyImage(image, params), mask: transform.applyMask(mask, params) };
    },
  };
}
