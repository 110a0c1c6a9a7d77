// The 1st-place ComboLoss: a weighted sum of BCE, soft Dice and focal loss, and the weightings its stages used.
import * as tf from '@tensorflow/tfjs';
import { bceWithLogits } from './bce';
import { softDice } from './dice';
import { focal } from './focal';

export type ComboWeights = { bce: number; dice: number; focal: number };

/** The sum is floored here, as ComboLoss does, so a batch the model already fits never yields a zero or negative loss. */
const FLOOR = 1e-5;

const terms = { bce: bceWithLogits, dice: softDice, focal } as const;

/** w_bce·BCE + w_dice·Dice + w_focal·Focal, at least 1e-5; terms weighted 0 are not computed. */
export function comboLoss(weights: ComboWeights): (logits: tf.Tensor4D, targets: tf.Tensor4D) => tf.Scalar {
  const weighted = (Object.keys(terms) as (keyof ComboWeights)[]).filter((term) => weights[term] !== 0);
  return (logits, targets) =>
    tf.tidy(() => {
      const sum = weighted.reduce<tf.Scalar>((total, term) => total.add(terms[term](logits, targets).mul(weights[term])), tf.scalar(0));
      return tf.maximum(sum, FLOOR);
    });
}

/**
 * The three weightings of the 1st-place stages (BCE, Dice, focal), named by how much the per-pixel terms (BCE and
 * focal) outweigh the region term (Dice): 7:1, 1:1 each, 4:1. Each is a complete LossSpec.
 */
export const comboPresets = {
  'pixel-heavy': { kind: 'combo', bce: 3, dice: 1, focal: 4 },
  even: { kind: 'combo', bce: 1, dice: 1, focal: 1 },
  'pixel-leaning': { kind: 'combo', bce: 2, dice: 1, focal: 2 },
} as const satisfies Record<string, ComboWeights & { kind: 'combo' }>;

export type ComboPresetName = keyof typeof comboPresets;
