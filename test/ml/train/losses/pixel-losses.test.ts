// BCE, soft Dice and focal loss against values worked out by hand (science.md, Losses).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceWithLogits, focal, softDice } from '../../../../ml/train/losses';
import { expectClose, handLogits, handTarget, oneImage, tapeGradient, valueOf } from './support';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const target = () => oneImage(handTarget);

describe('bceWithLogits', () => {
  it('is the mean of softplus(x) − x·t', () => {
    // ln 2 (x 0, t 1); ln(4/3) − 0 (x ln 3, t 1: softplus ln 4 minus ln 3); ln(4/3) (x −ln 3, t 0); softplus(2) = 2.1269280
    const expected = (Math.LN2 + 2 * Math.log(4 / 3) + 2.126928011) / 4; // 0.8488598
    expect(valueOf(() => bceWithLogits(oneImage(handLogits), target()))).toBeCloseTo(expected, 6);
  });

  it('stays finite and exact for logits far beyond exp range', () => {
    // t 1 at x 100: softplus(100) − 100 = 0; t 1 at x −100: 100; t 0 at x −100: 0; t 0 at x 100: 100
    expect(valueOf(() => bceWithLogits(oneImage([100, -100, -100, 100]), oneImage([1, 1, 0, 0])))).toBeCloseTo(50, 4);
  });

  it('has the gradient (σ(x) − t) / n, including at x = 0 where |x| has its kink', () => {
    const gradient = tapeGradient((x) => bceWithLogits(x, target()), handLogits, [1, 2, 2, 1]);
    expectClose(gradient, [(0.5 - 1) / 4, (0.75 - 1) / 4, 0.25 / 4, 0.880797078 / 4], 1e-6);
  });
});

describe('softDice', () => {
  it('is 1 − (2Σp·t + 1e-6) / (Σp + Σt + 1e-6) over the batch', () => {
    // Σp·t = 1/2 + 3/4 = 1.25; Σp = 1/2 + 3/4 + 1/4 + 0.8807971 = 2.3807971; Σt = 2
    const expected = 1 - (2 * 1.25 + 1e-6) / (2.3807971 + 2 + 1e-6); // 0.4293275
    expect(valueOf(() => softDice(oneImage(handLogits), target()))).toBeCloseTo(expected, 6);
  });

  it('sums over the whole batch, not per image: an empty image only adds to Σp', () => {
    const batch = tf.tensor4d([...handLogits, 0, 0, 0, 0], [2, 2, 2, 1]);
    const targets = tf.tensor4d([...handTarget, 0, 0, 0, 0], [2, 2, 2, 1]);
    // the second image adds 4 × 1/2 to Σp and nothing to Σp·t or Σt
    const expected = 1 - (2.5 + 1e-6) / (2.3807971 + 2 + 2 + 1e-6); // 0.6081993
    expect(valueOf(() => softDice(batch, targets))).toBeCloseTo(expected, 6);
  });

  it('on a batch without positives is 1 − 1e-6/(Σp + 1e-6): ≈ 0 for confident negatives, ≈ 1 for unsure ones', () => {
    expect(valueOf(() => softDice(oneImage([-30, -30, -30, -30]), oneImage([0, 0, 0, 0])))).toBeCloseTo(0, 6);
    expect(valueOf(() => softDice(oneImage([0, 0, 0, 0]), oneImage([0, 0, 0, 0])))).toBeCloseTo(1, 6);
  });
});

describe('focal', () => {
  it('is mean(−(1 − pt)²·log pt) with gamma 2 and no alpha', () => {
    // pt = 1/2, 3/4, 3/4, 1 − 0.8807971 = 0.1192029
    const terms = [0.25 * Math.LN2, 0.0625 * Math.log(4 / 3), 0.0625 * Math.log(4 / 3), 0.8807971 ** 2 * -Math.log(0.1192029)];
    const expected = terms.reduce((a, b) => a + b) / 4; // 0.4648313
    expect(valueOf(() => focal(oneImage(handLogits), target()))).toBeCloseTo(expected, 5);
  });

  it('clamps p to [1e-8, 1 − 1e-8]: confidently wrong pixels cost −ln 1e-8 each, in float32 too, and pass no gradient', () => {
    // x −40 with t 1 and x 40 with t 0: pt clamps to 1e-8, term (1 − 1e-8)²·18.4206807; confident right pixels: 0
    const logits = [-40, 40, 40, -40];
    const targets = oneImage([1, 0, 1, 0]);
    expect(valueOf(() => focal(oneImage(logits), targets))).toBeCloseTo((2 * 18.4206807) / 4, 4);
    const gradient = tapeGradient((x) => focal(x, targets), logits, [1, 2, 2, 1]);
    expect(gradient.every((g) => g === 0)).toBe(true);
  });
});
