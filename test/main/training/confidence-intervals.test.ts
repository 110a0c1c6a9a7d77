// The comparison's 95% intervals against values worked out by hand.
import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval, wilsonRate } from '../../../main/training/confidence-intervals';

describe('wilsonRate', () => {
  it('gives the Wilson score interval: centre (p + z²/2n)/(1 + z²/n), half-width z·√(p(1−p)/n + z²/4n²)/(1 + z²/n)', () => {
    // 5 of 10: centre 0.5; half-width 1.96·√(0.025 + 0.009604)/1.38415 = 0.26341
    const half = wilsonRate(5, 10)!;
    expect(half).toMatchObject({ value: 0.5, hits: 5, of: 10 });
    expect(half.interval.low).toBeCloseTo(0.23659, 4);
    expect(half.interval.high).toBeCloseTo(0.76341, 4);
  });

  it('stays inside [0, 1] at no hits and at every hit: the upper bound of 0 of n is z²/(n + z²)', () => {
    expect(wilsonRate(0, 10)!.interval.low).toBe(0);
    expect(wilsonRate(0, 10)!.interval.high).toBeCloseTo(3.84146 / 13.84146, 5);
    expect(wilsonRate(10, 10)!.interval.low).toBeCloseTo(10 / 13.84146, 5);
    expect(wilsonRate(10, 10)!.interval.high).toBeCloseTo(1, 12);
  });

  it('is null when there is nothing to count', () => {
    expect(wilsonRate(0, 0)).toBeNull();
  });
});

describe('bootstrapMeanInterval', () => {
  it('is a point when every difference is the same', () => {
    const { low, high } = bootstrapMeanInterval([0.2, 0.2, 0.2])!;
    expect(low).toBeCloseTo(0.2, 12);
    expect(high).toBeCloseTo(0.2, 12);
  });

  it('spans the resampled means: for {0, 1} they are 0, ½, 1 with chances ¼, ½, ¼, so the 2.5th and 97.5th percentiles are 0 and 1', () => {
    expect(bootstrapMeanInterval([0, 1])).toEqual({ low: 0, high: 1 });
  });

  it('for {0, 0, 0, 1}: a mean of 0 has chance (¾)⁴ = 0.32, of 1 only (¼)⁴ = 0.004 but of ¾ or more 0.051, so [0, ¾]', () => {
    expect(bootstrapMeanInterval([0, 0, 0, 1])).toEqual({ low: 0, high: 0.75 });
  });

  it('is seeded: the same values give the same interval', () => {
    const values = [0.1, -0.3, 0.25, 0, 0.6, -0.05, 0.2];
    const interval = bootstrapMeanInterval(values)!;
    expect(bootstrapMeanInterval(values)).toEqual(interval);
    const mean = values.reduce((a, b) => a + b) / values.length;
    expect(interval.low).toBeLessThan(mean);
    expect(interval.high).toBeGreaterThan(mean);
  });

  it('says nothing about the spread of one image', () => {
    expect(bootstrapMeanInterval([0.4])).toBeNull();
    expect(bootstrapMeanInterval([])).toBeNull();
  });
});
