// The 4th- and 5th-place losses: segmentation terms plus BCE of the classification head against "mask not empty".
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fifthPlaceLoss, fourthPlaceLoss, nonEmpty } from '../../../../ml/train/losses';
import { expectClose, handLogits, handTarget, tapeGradient, twoImages, valueOf } from './support';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const LN3 = Math.log(3);
// Batch: the hand-worked image (target 1 1 0 0) and an empty image with logits 0; cls logits ln 3 for both.
const logits = () => twoImages(handLogits, [0, 0, 0, 0]);
const targets = () => twoImages(handTarget, [0, 0, 0, 0]);
const clsLogit = () => tf.tensor2d([LN3, LN3], [2, 1]);
// pixel BCE: (4 × 0.8488598 + 4 ln 2) / 8; Dice: 1 − (2.5 + 1e-6)/(2.3807971 + 2 + 4 × 1/2 + 1e-6)
const BCE = (4 * 0.8488598 + 4 * Math.LN2) / 8; // 0.7710035
const DICE = 1 - (2.5 + 1e-6) / (6.3807971 + 1e-6); // 0.6081993
// cls BCE: image 1 non-empty, x ln 3 → ln(4/3); image 2 empty, x ln 3 → ln 4
const CLS = (Math.log(4 / 3) + Math.log(4)) / 2; // 0.8369882

describe('nonEmpty', () => {
  it('is 1 for an image with any target pixel, 0 for an empty one, as [N, 1]', () => {
    const mask = tf.tensor4d([0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1], [3, 2, 2, 1]);
    const result = tf.tidy(() => nonEmpty(mask).arraySync());
    expect(result).toEqual([[1], [0], [1]]);
  });
});

describe('fourthPlaceLoss', () => {
  it('is 0.1·BCE(cls, non_empty) + 0.9·(3·BCE + Dice)', () => {
    const expected = 0.1 * CLS + 0.9 * (3 * BCE + DICE); // 2.7127877
    expect(valueOf(() => fourthPlaceLoss({ logits: logits(), clsLogit: clsLogit() }, targets()))).toBeCloseTo(expected, 5);
  });

  it('passes 0.1 × (σ(c) − non_empty) / N to the cls logit', () => {
    const gradient = tapeGradient((c) => fourthPlaceLoss({ logits: logits(), clsLogit: c as tf.Tensor2D }, targets()), [LN3, LN3], [2, 1]);
    expectClose(gradient, [(0.1 * (0.75 - 1)) / 2, (0.1 * 0.75) / 2], 1e-6);
  });
});

describe('fifthPlaceLoss', () => {
  it('is 1024·BCE + Dice + BCE(cls, non_empty)', () => {
    const expected = 1024 * BCE + DICE + CLS; // 790.95278
    expect(valueOf(() => fifthPlaceLoss({ logits: logits(), clsLogit: clsLogit() }, targets()))).toBeCloseTo(expected, 2);
  });

  it('passes (σ(c) − non_empty) / N to the cls logit', () => {
    const gradient = tapeGradient((c) => fifthPlaceLoss({ logits: logits(), clsLogit: c as tf.Tensor2D }, targets()), [LN3, LN3], [2, 1]);
    expectClose(gradient, [(0.75 - 1) / 2, 0.75 / 2], 1e-6);
  });
});

describe.each([
  ['fourth-place', fourthPlaceLoss],
  ['fifth-place', fifthPlaceLoss],
] as const)('%s without a classification head', (name, loss) => {
  it('names the missing cls_logit output', () => {
    expect(() => loss({ logits: logits() }, targets())).toThrow(`the ${name} loss needs the model's cls_logit output`);
  });

  it('rejects a cls_logit of the wrong shape', () => {
    expect(() => loss({ logits: logits(), clsLogit: tf.tensor2d([0, 0, 0], [3, 1]) }, targets())).toThrow(
      `the ${name} loss expects cls_logit of shape [2,1], got [3,1]`,
    );
  });
});
