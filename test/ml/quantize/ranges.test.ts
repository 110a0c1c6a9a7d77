import { describe, expect, it } from 'vitest';
import { activationParams, calibratedRange, clippingDivergence, entropyRange, percentileRange, TensorStats } from '../../../ml/quantize/ranges';

const stats = (values: number[], bins = 4) => {
  const s = new TensorStats(bins);
  s.add(Float32Array.from(values));
  return s;
};

describe('TensorStats', () => {
  it('bins each value at the width its first tensor sets (max |v| over the bins), zeros apart', () => {
    const s = stats([0, 0, 1, 2, 3, -1]);
    // width 0.75 (and a hair): 1 in [0.75, 1.5), 2 in [1.5, 2.25), 3 in [2.25, 3), −1 in (−1.5, −0.75].
    expect(s.width).toBeCloseTo(0.75, 5);
    expect([...s.positive]).toEqual([0, 1, 1, 1]);
    expect([...s.negative]).toEqual([0, 1, 0, 0]);
    expect([s.zeros, s.min, s.max, s.count]).toEqual([2, -1, 3, 6]);
  });

  it('doubles the width and merges bin pairs when a later value falls past the last bin', () => {
    const s = stats([0, 0, 1, 2, 3, -1]);
    s.add(Float32Array.of(7));
    // 0.75 → 1.5 → 3: bin 0 [0, 3) holds 1, 2 and 3; 7 falls in [6, 9).
    expect(s.width).toBeCloseTo(3, 5);
    expect([...s.positive]).toEqual([3, 0, 1, 0]);
    expect([...s.negative]).toEqual([1, 0, 0, 0]);
    expect([s.min, s.max, s.count]).toEqual([-1, 7, 7]);
  });

  it('takes extremes reduced elsewhere: enough for minmax, not for the histogram methods', () => {
    const s = new TensorStats();
    s.addExtremes(-1, 2);
    s.addExtremes(0, 3);
    expect(calibratedRange(s, 'minmax')).toEqual({ min: -1, max: 3 });
    expect(() => calibratedRange(s, 'entropy')).toThrow(/needs a histogram/);
    expect(() => s.addExtremes(0, Number.NaN)).toThrow(/not finite/);
  });

  it('refuses values that are not numbers or not finite', () => {
    expect(() => stats([1, Number.NaN])).toThrow(/NaN/);
    expect(() => stats([1, Number.POSITIVE_INFINITY])).toThrow(/not finite/);
  });
});

describe('ranges', () => {
  // Width 1 (and a hair), from the 4 seen first: 95 × 0.5 in bin 0, 3 × 2.5 in bin 2, 3.5 and 4 in bin 3.
  const skewed = () => stats([4, ...Array<number>(95).fill(0.5), 2.5, 2.5, 2.5, 3.5]);

  it('minmax is the observed range', () => {
    expect(calibratedRange(skewed(), 'minmax')).toEqual({ min: 0.5, max: 4 });
  });

  it('percentile cuts at the outer edge of the bin where no more than (100 − p)% lie beyond, within min and max', () => {
    expect(percentileRange(skewed(), 99).max).toBe(4); // 1 value may lie beyond: the 2 in bin 3 keep the max
    expect(percentileRange(skewed(), 98).max).toBeCloseTo(3, 5); // both in bin 3 may go: cut at its lower edge
    expect(percentileRange(skewed(), 95).max).toBeCloseTo(1, 5); // 5 may go: bins 2 and 3
    expect(percentileRange(skewed(), 95).min).toBe(0.5); // nothing below 0
    expect(() => percentileRange(skewed(), 0)).toThrow(/percentile/);
  });

  it('KL divergence of a clipped histogram against its merged levels, by hand', () => {
    // Nothing clipped: P = [3, 1, 2, 2]/8; two levels of two bins: Q = [2, 2, 2, 2]/8.
    expect(clippingDivergence(Float64Array.of(3, 1, 2, 2), 4, 2)).toBeCloseTo(0.375 * Math.log(1.5) + 0.125 * Math.log(0.5), 10);
    // Clipped after bin 1: P = [3, 5]/8 (the tail folded in), Q = [3, 1]/4 (the bins' own counts).
    expect(clippingDivergence(Float64Array.of(3, 1, 2, 2), 2, 2)).toBeCloseTo(0.375 * Math.log(0.5) + 0.625 * Math.log(2.5), 10);
    // Levels that reproduce P exactly lose nothing (empty bins stay empty in both).
    expect(clippingDivergence(Float64Array.of(4, 0, 2, 2), 4, 2)).toBeCloseTo(0, 10);
  });

  it('entropy keeps the bulk of a skewed tensor and clips a lone outlier; a histogram within the levels keeps min and max', () => {
    // Exponential quantiles (up to ~9.9) and one value at 100, in bins of 100/2048: the bulk fills some 200 bins.
    const s = new TensorStats();
    s.add(Float32Array.from({ length: 10_000 }, (_, i) => -Math.log(1 - (i + 0.5) / 10_000)));
    s.add(Float32Array.of(100));
    const { min, max } = entropyRange(s);
    expect(min).toBe(s.min);
    expect(max).toBeGreaterThan(9);
    expect(max).toBeLessThan(50);
    expect(entropyRange(stats([0, 1, 2, 3]))).toEqual({ min: 0, max: 3 });
  });
});

describe('activationParams', () => {
  it('zero point 0 for a range that never goes below 0, so a ReLU fuses', () => {
    expect(activationParams({ min: 0, max: 2.55 })).toEqual({ scale: Math.fround(0.01), zeroPoint: 0 });
    expect(activationParams({ min: 0.5, max: 2.55 })).toEqual({ scale: Math.fround(0.01), zeroPoint: 0 });
  });

  it('asymmetric otherwise, the range widened to hold 0', () => {
    expect(activationParams({ min: -1, max: 1.55 })).toEqual({ scale: Math.fround(0.01), zeroPoint: 100 });
    expect(activationParams({ min: -3, max: -1 })).toEqual({ scale: Math.fround(3 / 255), zeroPoint: 255 });
  });

  it('a tensor of zeros gets a usable scale', () => {
    expect(activationParams({ min: 0, max: 0 })).toEqual({ scale: 1, zeroPoint: 0 });
  });
});
