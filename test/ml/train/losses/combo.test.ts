// ComboLoss: the weighted sum, its floor, and the three 1st-place presets.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceWithLogits, comboLoss, comboPresets, focal, softDice } from '../../../../ml/train/losses';
import { handLogits, handTarget, oneImage, tapeGradient, valueOf } from './support';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// The hand-worked image (support.ts): BCE 0.8488598, Dice 0.4293275, focal 0.4648313 (pixel-losses.test.ts).
const BCE = 0.8488598;
const DICE = 0.4293275;
const FOCAL = 0.4648313;

describe('comboLoss', () => {
  it('is the weighted sum of its three terms, each computed as on its own', () => {
    const logits = oneImage(handLogits);
    const target = oneImage(handTarget);
    const parts = [bceWithLogits, softDice, focal].map((loss) => valueOf(() => loss(logits, target)));
    expect(parts[0]).toBeCloseTo(BCE, 6);
    expect(parts[1]).toBeCloseTo(DICE, 6);
    expect(parts[2]).toBeCloseTo(FOCAL, 6);
    expect(valueOf(() => comboLoss({ bce: 0.5, dice: 2, focal: 0 })(logits, target))).toBeCloseTo(0.5 * BCE + 2 * DICE, 6);
  });

  it.each([
    ['pixel-heavy', [3, 1, 4], 3 * BCE + DICE + 4 * FOCAL], // 4.8352322
    ['even', [1, 1, 1], BCE + DICE + FOCAL], // 1.7430186
    ['pixel-leaning', [2, 1, 2], 2 * BCE + DICE + 2 * FOCAL], // 3.0567098
  ] as const)('preset %s weighs BCE, Dice, focal as %j', (name, weights, expected) => {
    const preset = comboPresets[name];
    expect([preset.bce, preset.dice, preset.focal]).toEqual(weights);
    expect(valueOf(() => comboLoss(preset)(oneImage(handLogits), oneImage(handTarget)))).toBeCloseTo(expected, 5);
  });

  it('is floored at 1e-5, with no gradient there, when the model already fits the batch', () => {
    // x ±20 on the right side: BCE ≈ 2e-9, focal ≈ 0, Dice ≈ 0 (float32), so the sum is below the floor
    const confident = [20, 20, -20, -20];
    const target = oneImage(handTarget);
    const loss = comboLoss(comboPresets.even);
    expect(valueOf(() => loss(oneImage(confident), target))).toBeCloseTo(1e-5, 10);
    expect(tapeGradient((x) => loss(x as tf.Tensor4D, target), confident, [1, 2, 2, 1])).toEqual([0, 0, 0, 0]);
  });
});
