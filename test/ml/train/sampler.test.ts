import { describe, expect, it } from 'vitest';
import { Rng } from '../../../ml/random';
import { epochOrder, epochSize, negativeCount, positiveShareAt, sampleEpoch } from '../../../ml/train/sampler';

/** 10 positives (indices 0…9) and 40 negatives (10…49). */
const items = Array.from({ length: 50 }, (_, i) => ({ positive: i < 10 }));

describe('sampleEpoch (sliding sample rate)', () => {
  it('takes every positive once plus int(n_pos·(1−p)/p) negatives', () => {
    // p 0.8: 10·0.2/0.8 = 2.5 → 2; p 0.6: 10·0.4/0.6 = 6.67 → 6; p 0.4: 10·0.6/0.4 = 15; p 0.22: 10·0.78/0.22 = 35.45 → 35
    for (const [p, negatives] of [[0.8, 2], [0.6, 6], [0.4, 15], [0.22, 35], [1, 0]]) {
      const epoch = sampleEpoch(items, p, new Rng(7));
      expect(epoch).toHaveLength(10 + negatives);
      expect(epoch.filter((i) => i < 10).sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
      expect(epoch.filter((i) => i >= 10)).toHaveLength(negatives);
    }
  });

  it('draws negatives with replacement, so an epoch can outnumber the negatives there are', () => {
    // 10 positives and 3 negatives at p 0.1: 10·0.9/0.1 = 90 negatives, drawn from 3.
    const few = Array.from({ length: 13 }, (_, i) => ({ positive: i < 10 }));
    expect(negativeCount(10, 0.1)).toBe(90);
    const epoch = sampleEpoch(few, 0.1, new Rng(3));
    expect(epoch).toHaveLength(100);
    expect(new Set(epoch.filter((i) => i >= 10)).size).toBeLessThanOrEqual(3);
  });

  it('shuffles, and repeats exactly from the same seed or a saved state', () => {
    const rng = new Rng(11);
    const first = sampleEpoch(items, 0.4, rng);
    expect(first.slice(0, 10)).not.toEqual([...Array(10).keys()]);
    expect(sampleEpoch(items, 0.4, new Rng(11))).toEqual(first);
    const saved = rng.state;
    const second = sampleEpoch(items, 0.4, rng);
    expect(second).not.toEqual(first);
    expect(sampleEpoch(items, 0.4, Rng.fromState(saved))).toEqual(second);
  });

  it('refuses a set without positives and takes only positives from a set without negatives', () => {
    expect(() => sampleEpoch([{ positive: false }], 0.5, new Rng(1))).toThrow(/no positive images \(of 1\)/);
    expect(sampleEpoch([{ positive: true }, { positive: true }], 0.5, new Rng(1)).sort()).toEqual([0, 1]);
    expect(() => sampleEpoch(items, 0, new Rng(1))).toThrow(/\(0, 1\]/);
  });
});

describe('positiveShareAt', () => {
  it('slides linearly as the 4th place did and holds the end point', () => {
    const spec = { kind: 'linear', from: 0.8, to: 0.22, epochs: 60 } as const;
    // p(e) = 0.8 − 0.58·e/60: e 0 → 0.8, 30 → 0.51, 59 → 0.2296667, 60 and later → 0.22
    expect(positiveShareAt(spec, 0)).toBe(0.8);
    expect(positiveShareAt(spec, 30)).toBeCloseTo(0.51, 12);
    expect(positiveShareAt(spec, 59)).toBeCloseTo(0.22966666666666666, 12);
    expect(positiveShareAt(spec, 90)).toBeCloseTo(0.22, 12);
    expect(positiveShareAt({ kind: 'constant', p: 0.6 }, 12)).toBe(0.6);
    expect(() => positiveShareAt(spec, -1)).toThrow(/epoch index/);
  });
});

describe('epochSize', () => {
  it('counts the images an epoch takes without drawing them', () => {
    const spec = { kind: 'linear', from: 0.8, to: 0.5, epochs: 10 } as const;
    // 10 positives of 50: e 0 at p 0.8 → 10 + 2; e 5 at p 0.65 → 10 + int(5.38) = 15; e 10 at p 0.5 → 10 + 10
    expect([0, 5, 10].map((e) => epochSize(10, 50, spec, e))).toEqual([12, 15, 20]);
    for (const e of [0, 3, 7, 12]) expect(epochSize(10, 50, spec, e)).toBe(epochOrder(items, spec, e, new Rng(e)).length);
    expect(epochSize(10, 50, { kind: 'all' }, 4)).toBe(50);
    // no negatives to draw from: every positive once, as sampleEpoch gives
    expect(epochSize(2, 2, spec, 0)).toBe(sampleEpoch([{ positive: true }, { positive: true }], 0.8, new Rng(1)).length);
  });
});
