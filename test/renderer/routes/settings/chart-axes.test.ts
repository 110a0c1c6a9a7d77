// The training charts' axes against hand-worked ticks.
import { describe, expect, it } from 'vitest';
import { axisFraction, epochAxis, linearAxis, logAxis, niceStep, tickLabel } from '../../../../renderer/routes/settings/chart-axes';

describe('niceStep', () => {
  it('takes the smallest of 1, 2, 5 × 10^k that cuts the span into at most that many parts', () => {
    expect(niceStep(1, 4)).toBe(0.5); // 0.25 → 0.5
    expect(niceStep(0.3, 4)).toBeCloseTo(0.1, 12); // 0.075 → 0.1
    expect(niceStep(40, 6)).toBe(10); // 6.67 → 10
    expect(niceStep(8, 4)).toBe(2);
  });
});

describe('linearAxis', () => {
  it('reaches from a tick at or below the lowest value to one at or above the highest', () => {
    expect(linearAxis(0.12, 0.41)).toEqual({ low: 0.1, high: 0.5, ticks: [0.1, 0.2, 0.3, 0.4, 0.5], scale: 'linear' });
    expect(linearAxis(0.62, 1.31)).toEqual({ low: 0.6, high: 1.4, ticks: [0.6, 0.8, 1, 1.2, 1.4], scale: 'linear' });
  });

  it('gives a flat series a span around it', () => {
    const axis = linearAxis(0.5, 0.5);
    expect(axis.low).toBeLessThanOrEqual(0.5);
    expect(axis.high).toBeGreaterThan(axis.low);
  });
});

describe('logAxis', () => {
  it('spans whole decades, ticked at each power of ten', () => {
    expect(logAxis(1e-7, 1e-5)).toEqual({ low: 1e-7, high: 1e-5, ticks: [1e-7, 1e-6, 1e-5], scale: 'log' });
    const cosine = logAxis(3e-7, 1e-5);
    expect(cosine.ticks).toEqual([1e-7, 1e-6, 1e-5]);
    expect(logAxis(1e-5, 1e-5).ticks).toEqual([1e-5, 1e-4]);
  });

  it('places values by their logarithm: 1e-6 in the middle of 1e-7 … 1e-5', () => {
    expect(axisFraction(logAxis(1e-7, 1e-5), 1e-6)).toBeCloseTo(0.5, 12);
    expect(tickLabel(logAxis(1e-7, 1e-5), 1e-6)).toBe('1e-6');
  });
});

describe('epochAxis and tickLabel', () => {
  it('ticks whole epochs from 0 to the run\'s', () => {
    expect(epochAxis(3).ticks).toEqual([0, 1, 2, 3]);
    expect(epochAxis(8).ticks).toEqual([0, 2, 4, 6, 8]);
    expect(epochAxis(50).ticks).toEqual([0, 10, 20, 30, 40, 50]);
    expect(tickLabel(epochAxis(8), 4)).toBe('4');
  });

  it('writes linear ticks with the decimals their step needs', () => {
    const axis = linearAxis(0.12, 0.41);
    expect(axis.ticks.map((tick) => tickLabel(axis, tick))).toEqual(['0.1', '0.2', '0.3', '0.4', '0.5']);
    expect(axisFraction(axis, 0.3)).toBeCloseTo(0.5, 12);
  });
});
